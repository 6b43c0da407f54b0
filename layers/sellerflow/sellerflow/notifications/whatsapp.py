"""The WhatsApp adapter: the one module that talks to Twilio.

Two things are asked of Twilio, and both are done here without the `twilio` library (its REST
client and its aiohttp/requests stack were ~60 MB of the Lambda layer and a few hundred ms of a cold
start for one call): the Messages API's create (one form-encoded POST with HTTP basic auth, httpx)
and the `X-Twilio-Signature` check (HMAC-SHA1, as Twilio documents it; a test compares it with the
library's `RequestValidator`, a development dependency only).

Messages use approved templates only: a Content SID per alert kind plus `ContentVariables` (JSON).
Free-form `Body` text is never sent (it fails outside WhatsApp's 24-hour window, and it would be a
way around the content rule). Credentials come from Secrets Manager through Powertools Parameters
(cached); locally, `base_url` points the calls at the simulator's Twilio stand-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

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

# httpx is imported where a message is sent: the webhook's signature check does not need it.
if TYPE_CHECKING:  # imported when first used: Powertools' parameters import boto3 (~150 ms)
    import httpx
    from aws_lambda_powertools.utilities import parameters

TWILIO_API = "https://api.twilio.com"
CACHE_SECONDS = 300
UNSUBSCRIBED = 21610
# The public, signature-checked routes (sellerflow.api.routes_twilio) Twilio calls.
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
    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    account_sid: Annotated[str, StringConstraints(pattern=r"^AC[0-9a-fA-F]{32}$")]
    auth_token: SecretStr
    from_number: Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$")]


class SecretsManagerTwilioCredentials:
    def __init__(self, secret_name: str, provider: parameters.SecretsProvider | None = None) -> None:
        self._secret_name = secret_name
        if provider is None:
            from aws_lambda_powertools.utilities import parameters

            provider = parameters.SecretsProvider()
        self._provider = provider

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
        self._base_url = (base_url or TWILIO_API).rstrip("/")
        self._timeout_s = timeout_s
        self._http: httpx.Client | None = None

    def _client(self) -> httpx.Client:
        if self._http is None:
            import httpx

            from sellerflow.observability import trace_httpx

            trace_httpx()
            self._http = httpx.Client(timeout=self._timeout_s)
        return self._http

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
        import httpx

        creds = self._credentials.credentials()
        callback = self.status_callback(seller_id, alert_id)
        form = {
            "To": f"whatsapp:{to}",
            "From": f"whatsapp:{creds.from_number}",
            "ContentSid": content_sid,
            "ContentVariables": json.dumps(variables, separators=(",", ":")),
            **({"StatusCallback": callback} if callback else {}),
        }
        url = f"{self._base_url}/2010-04-01/Accounts/{quote(creds.account_sid, safe='')}/Messages.json"
        try:
            response = self._client().post(
                url, data=form, auth=(creds.account_sid, creds.auth_token.get_secret_value())
            )
        except httpx.HTTPError as exc:
            raise WhatsAppTemporaryFailure(f"Twilio unreachable: {type(exc).__name__}") from None
        body = _json(response)
        if response.status_code >= 300:
            raise _classify(response.status_code, body)
        if not body.get("sid"):
            raise WhatsAppTemporaryFailure(f"Twilio answered {response.status_code} without a message SID")
        return SentMessage(sid=str(body["sid"]), status=str(body.get("status") or "queued"))


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _classify(status: int, body: Mapping[str, Any]) -> Exception:
    """Twilio's error answer (`{"code", "message", "status"}`) as our typed error."""
    code = body.get("code") if isinstance(body.get("code"), int) else None
    if code == UNSUBSCRIBED:
        return WhatsAppRecipientOptedOut("the number is unsubscribed (Twilio 21610)", code=code)
    if status >= 500 or status in (401, 403, 429):
        return WhatsAppTemporaryFailure(f"Twilio answered {status} (code {code})")
    return WhatsAppRecipientRejected(f"Twilio refused the message: {status} (code {code})", code=code)


class TwilioSignatures:
    """Checks `X-Twilio-Signature` against the deployment's auth token."""

    def __init__(self, credentials: CredentialSource) -> None:
        self._credentials = credentials

    def valid(self, url: str, form: Mapping[str, str], signature: str) -> bool:
        if not signature:
            return False
        token = self._credentials.credentials().auth_token.get_secret_value()
        return signature_valid(token, url, form, signature)


def twilio_signature(auth_token: str, url: str, form: Mapping[str, str]) -> str:
    """Twilio's signature of a webhook request: base64 of HMAC-SHA1, keyed with the auth token, over
    the full URL followed by every POST parameter's name and value, sorted by name."""
    payload = url + "".join(f"{name}{form[name]}" for name in sorted(form))
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_valid(auth_token: str, url: str, form: Mapping[str, str], signature: str) -> bool:
    """As Twilio's `RequestValidator`: the URL is tried without and with its default port (Twilio is
    not consistent about which it signs), and strings are compared in constant time."""
    candidates = {_without_port(url), _with_port(url)}
    expected = signature.encode("utf-8")
    return any(
        hmac.compare_digest(twilio_signature(auth_token, candidate, form).encode("utf-8"), expected)
        for candidate in candidates
    )


def _without_port(url: str) -> str:
    parts = urlsplit(url)
    if parts.port is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit(":", 1)[0]))


def _with_port(url: str) -> str:
    parts = urlsplit(url)
    if parts.port is not None:
        return url
    port = 443 if parts.scheme == "https" else 80
    return urlunsplit(parts._replace(netloc=f"{parts.netloc}:{port}"))
