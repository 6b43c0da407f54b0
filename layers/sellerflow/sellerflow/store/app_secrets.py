"""The app's LWA client credentials, from Secrets Manager through Powertools Parameters (cached)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from sellerflow.errors import ConfigurationError

if TYPE_CHECKING:  # at run time imported when first used: it brings httpx, which not every handler needs
    from aws_lambda_powertools.utilities import parameters  # and this, boto3 (~150 ms of a cold start)

    from sellerflow.spapi.lwa import AppCredentials

CACHE_SECONDS = 300


class JsonSecret:
    """A Secrets Manager secret that holds a JSON object, read through Powertools Parameters (cached)."""

    def __init__(self, secret_name: str, provider: parameters.SecretsProvider | None = None) -> None:
        self._secret_name = secret_name
        if provider is None:
            from aws_lambda_powertools.utilities import parameters

            provider = parameters.SecretsProvider()
        self._provider = provider

    def _fields(self, *names: str) -> list[str]:
        """The named fields' values as text; a ConfigurationError when the secret lacks one."""
        value: Any = self._provider.get(self._secret_name, transform="json", max_age=CACHE_SECONDS)
        try:
            return [str(value[name]) for name in names]
        except (KeyError, TypeError):
            raise ConfigurationError(
                f"secret {self._secret_name} must hold a JSON object with {' and '.join(names)}"
            ) from None


class SecretsManagerAppCredentials(JsonSecret):
    """The app's LWA client credentials: `{"client_id": ..., "client_secret": ...}`."""

    def app_credentials(self) -> AppCredentials:
        from sellerflow.spapi.lwa import AppCredentials

        client_id, client_secret = self._fields("client_id", "client_secret")
        return AppCredentials(client_id=client_id, client_secret=SecretStr(client_secret))
