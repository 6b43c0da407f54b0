"""The app's LWA client credentials, from Secrets Manager through Powertools Parameters (cached)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities import parameters
from pydantic import SecretStr

from sellerflow.errors import ConfigurationError
from sellerflow.spapi.lwa import AppCredentials

CACHE_SECONDS = 300


class SecretsManagerAppCredentials:
    def __init__(self, secret_name: str, provider: parameters.SecretsProvider | None = None) -> None:
        self._secret_name = secret_name
        self._provider = provider or parameters.SecretsProvider()

    def app_credentials(self) -> AppCredentials:
        value: Any = self._provider.get(self._secret_name, transform="json", max_age=CACHE_SECONDS)
        try:
            return AppCredentials(
                client_id=str(value["client_id"]), client_secret=SecretStr(str(value["client_secret"]))
            )
        except (KeyError, TypeError):
            raise ConfigurationError(
                f"secret {self._secret_name} must hold a JSON object with client_id and client_secret"
            ) from None
