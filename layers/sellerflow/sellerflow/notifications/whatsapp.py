"""The WhatsApp adapter: the one module that talks to Twilio (with the `twilio` library).

Messages use approved templates only: a Content SID per alert kind plus `content_variables` (JSON).
Free-form `body` text is never sent (it fails outside WhatsApp's 24-hour window, and it would be a
way around the content rule). Credentials come from Secrets Manager through Powertools Parameters
(cached); locally, `TwilioHttpClient` requests to https://api.twilio.com are re-based onto the
simulator's Twilio stand-in, inside this module only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Protocol
from urllib.parse import quote

from aws_lambda_powertools.utilities import parameters
from pydantic import BaseModel, ConfigDict, SecretStr, StringConstraints, TypeAdapter, ValidationError

from sellerflow.alerts.content import AlertKind
from sellerflow.alerts.model import SentMessage
from sellerflow.errors import (
    ConfigurationError,
    WhatsAppRecipientOptedOut,
    WhatsAppRecipientRejected,
    WhatsAppTemporaryFailure,
)
from sellerflow.settings import Settings
from sellerflow.subprocessors import SubprocessorUse

# The twilio library is imported where it is used: loading its REST client takes a few hundred ms
# of a cold start, and only the sender (and the webhook's signature check) ever need it.
if TYPE_CHECKING:
    from twilio.base.exceptions import TwilioRestException
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"
CACHE_SECONDS = 300
UNSUBSCRIBED = 21610
# The public, signature-checked routes (sellerflow.api.routes_access) Twilio calls.
STATUS_CALLBACK_PATH = "/webhooks/twilio/status/{seller_id}/{alert_id}"
INBOUND_PATH = (
    "/webhooks/twilio/inbound"  # "Attempt to send to unsubscribed recipient" (the number replied STOP)
)
ContentSid = Annotated[str, StringConstraints(pattern=r"^HX[0-9a-fA-F]{32}$")]


def _whatsapp_configured(settings: Settings) -> bool:
    """WhatsApp alerts are on once the deployment names at least one approved template."""
    return settings.twilio_content_sids.strip() not in ("", "{}")


SENDS = SubprocessorUse(
    role="notifications",
    provider="Twilio",
    service="Twilio Programmable Messaging (WhatsApp)",
    purpose="delivers the WhatsApp alerts a team member opted in to",
    receives=(
        "the opted-in recipient's WhatsApp phone number",
        "the alert's approved template and its variables (alert kind, SKU or ASIN, figures, dates); never buyer data",
    ),
    in_use=_whatsapp_configured,
)


class TwilioCredentials(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    account_sid: Annotated[str, StringConstraints(pattern=r"^AC[0-9a-fA-F]{32}$")]
    auth_token: SecretStr
    from_number: Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$")]


class SecretsManagerTwilioCredentials:
    def __init__(self, secret_name: str, provider: parameters.SecretsProvider | None = None) -> None:
        self._secret_name = secret_name
        self._provider = provider or parameters.SecretsProvider()

    def credentials(self) -> TwilioCredentials:
        value: Any = self._provider.get(self._secret_name, transform="json", max_age=CACHE_SECONDS)
        try:
            return TwilioCredentials.model_validate(value)
        except ValidationError:
            raise ConfigurationError(
                f"secret {self._secret_name} must hold account_sid (AC...), auth_token and from_number (+E.164)"
            ) from None


def parse_content_sids(raw: str) -> dict[AlertKind, str]:
    """TWILIO_CONTENT_SIDS: a JSON object alert kind -> approved template's Content SID (HX...)."""
    try:
        value = json.loads(raw or "{}")
        if not isinstance(value, dict):
            raise ValueError
        checked = TypeAdapter(dict[AlertKind, ContentSid]).validate_python(value)
    except (ValueError, ValidationError):
        raise ConfigurationError(
            "TWILIO_CONTENT_SIDS must map alert kinds to Content SIDs (HX + 32 hex)"
        ) from None
    return dict(checked)


def twilio_http_client(base_url: str, timeout_s: float) -> TwilioHttpClient:
    """Twilio's HTTP client; with a base URL, what it addresses to https://api.twilio.com goes there."""
    from twilio.http.http_client import TwilioHttpClient
    from twilio.http.response import Response as TwilioResponse

    base = base_url.rstrip("/")
    if not base:
        return TwilioHttpClient(timeout=timeout_s)

    class RebasedHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no type hints
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> TwilioResponse:
            if url.startswith(TWILIO_API):
                url = base + url[len(TWILIO_API) :]
            return super().request(method, url, *args, **kwargs)

    return RebasedHttpClient(timeout=timeout_s)


class CredentialSource(Protocol):
    def credentials(self) -> TwilioCredentials: ...


class TwilioWhatsApp:
    """Sends one approved-template WhatsApp message per call."""

    def __init__(
        self,
        credentials: CredentialSource,
        content_sids: Mapping[AlertKind, str],
        *,
        base_url: str = "",
        timeout_s: float = 10.0,
        webhook_base_url: str = "",
    ) -> None:
        self._credentials = credentials
        self._webhook_base = webhook_base_url.rstrip("/")
        self._content_sids = dict(content_sids)
        self._base_url = base_url
        self._timeout_s = timeout_s
        self._http: TwilioHttpClient | None = None
        self._client: Client | None = None
        self._client_for: str | None = None

    def _twilio(self) -> tuple[Client, TwilioCredentials]:
        creds = self._credentials.credentials()
        fingerprint = f"{creds.account_sid}:{hash(creds.auth_token.get_secret_value())}"
        if self._client is None or self._client_for != fingerprint:  # a rotated secret builds a new client
            from twilio.rest import Client

            if self._http is None:
                self._http = twilio_http_client(self._base_url, self._timeout_s)
            self._client = Client(
                creds.account_sid, creds.auth_token.get_secret_value(), http_client=self._http
            )
            self._client_for = fingerprint
        return self._client, creds

    def status_callback(self, seller_id: str, alert_id: str) -> str | None:
        """Where Twilio reports this message's status (the API's signed public route), if configured."""
        if not (self._webhook_base and seller_id and alert_id):
            return None
        return f"{self._webhook_base}{STATUS_CALLBACK_PATH.format(seller_id=quote(seller_id, safe=''), alert_id=quote(alert_id, safe=''))}"

    def send(
        self, to: str, kind: AlertKind, variables: dict[str, str], *, seller_id: str = "", alert_id: str = ""
    ) -> SentMessage:
        content_sid = self._content_sids.get(kind)
        if content_sid is None:
            raise ConfigurationError(
                f"no approved WhatsApp template (Content SID) for alert kind {kind.value}"
            )
        from twilio.base.exceptions import TwilioException, TwilioRestException

        client, creds = self._twilio()
        callback = self.status_callback(seller_id, alert_id)
        try:
            message = client.messages.create(
                to=f"whatsapp:{to}",
                from_=f"whatsapp:{creds.from_number}",
                content_sid=content_sid,
                content_variables=json.dumps(variables, separators=(",", ":")),
                **({"status_callback": callback} if callback else {}),
            )
        except TwilioRestException as exc:
            raise _classify(exc) from None
        except (TwilioException, OSError) as exc:
            raise WhatsAppTemporaryFailure(f"Twilio unreachable: {type(exc).__name__}") from None
        return SentMessage(sid=str(message.sid), status=str(message.status))


def _classify(exc: TwilioRestException) -> Exception:
    if exc.code == UNSUBSCRIBED:
        return WhatsAppRecipientOptedOut("the number is unsubscribed (Twilio 21610)", code=exc.code)
    if exc.status >= 500 or exc.status in (401, 403, 429):
        return WhatsAppTemporaryFailure(f"Twilio answered {exc.status} (code {exc.code})")
    return WhatsAppRecipientRejected(
        f"Twilio refused the message: {exc.status} (code {exc.code})", code=exc.code
    )


class TwilioSignatures:
    """Checks `X-Twilio-Signature` with Twilio's own validator and the deployment's auth token."""

    def __init__(self, credentials: CredentialSource) -> None:
        self._credentials = credentials

    def valid(self, url: str, form: Mapping[str, str], signature: str) -> bool:
        if not signature:
            return False
        token = self._credentials.credentials().auth_token.get_secret_value()
        from twilio.request_validator import RequestValidator

        return bool(RequestValidator(token).validate(url, dict(form), signature))
