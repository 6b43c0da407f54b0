"""The web dashboard on the local gateway: static files of `web/`, a generated `/config.json`, the
security headers CloudFront adds in AWS, and a same-origin proxy to moto's Cognito JSON API.

In AWS the dashboard talks to `https://cognito-idp.<region>.amazonaws.com/` directly; locally the
browser posts to `/_cognito/` and this module forwards only Cognito's public sign-in actions (never
an admin action, which moto would accept unsigned) to moto. moto does not check SRP signatures, so
the proxy answers USER_SRP_AUTH with a real challenge and checks the PASSWORD_VERIFIER answer itself
(`sellerflow_dev.local.cognito_srp`): a wrong password is refused locally as in AWS.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sellerflow.api.errors import HSTS, PERMISSIONS_POLICY
from sellerflow_dev.local.cognito_srp import SrpVerifier

COGNITO_PROXY_PATH = "/_cognito/"
TARGET_PREFIX = "AWSCognitoIdentityProviderService."
# What a browser needs to sign in (password + TOTP, MFA set-up, new password) and out.
PUBLIC_COGNITO_ACTIONS = frozenset(
    {
        "InitiateAuth",
        "RespondToAuthChallenge",
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "GetUser",
        "GlobalSignOut",
        "RevokeToken",
    }
)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}


def content_security_policy(cognito_origin: str | None = None) -> str:
    """The dashboard's CSP: this origin's scripts and styles only, API and sign-in calls to this
    origin (plus Cognito's when it is another origin), no framing, no plugins."""
    connect = "'self'" + (f" {cognito_origin}" if cognito_origin else "")
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


SECURITY_HEADERS = {
    "content-security-policy": content_security_policy(),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-cache",
    "strict-transport-security": HSTS,  # as CloudFront's policy (browsers ignore it over plain HTTP)
    "permissions-policy": PERMISSIONS_POLICY,
}


@dataclass(frozen=True)
class WebApp:
    root: Path  # the web/ folder
    region: str
    user_pool_client_id: str
    moto_url: str
    api_base: str = ""  # same origin
    billing: bool = False  # Billing=on: the dashboard shows the Billing tab and the plan banner
    user_pool_id: str = ""
    # (user pool id, username) → the user's password in moto, for the SRP verifier; None: unknown user
    password_of: Callable[[str, str], str | None] = lambda _pool, _user: None
    srp: SrpVerifier = field(default_factory=SrpVerifier)

    def config(self) -> dict[str, str | bool]:
        return {
            "apiBase": self.api_base,
            "region": self.region,
            "userPoolId": self.user_pool_id,
            "userPoolClientId": self.user_pool_client_id,
            "cognitoEndpoint": COGNITO_PROXY_PATH,
            "billing": self.billing,
        }

    def static_file(self, path: str) -> tuple[int, str, bytes] | None:
        if path == "/config.json":
            return 200, CONTENT_TYPES[".json"], json.dumps(self.config()).encode()
        if not self.root.is_dir():
            return None
        relative = path.lstrip("/") or "index.html"
        target = (self.root / relative).resolve()
        if self.root.resolve() not in target.parents or not target.is_file():
            return None
        return 200, CONTENT_TYPES.get(target.suffix, "application/octet-stream"), target.read_bytes()

    def cognito(self, target: str | None, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Forward one public Cognito action to moto; anything else is refused with Cognito's shape."""
        action = (target or "").removeprefix(TARGET_PREFIX)
        if not (target or "").startswith(TARGET_PREFIX) or action not in PUBLIC_COGNITO_ACTIONS:
            return cognito_error("NotAuthorizedException", "action not allowed from the browser")
        request = _json_object(body)
        if action == "InitiateAuth" and request.get("AuthFlow") == "USER_SRP_AUTH":
            return self._start_srp(request)
        if action == "RespondToAuthChallenge" and request.get("ChallengeName") == "PASSWORD_VERIFIER":
            responses = dict(request.get("ChallengeResponses") or {})
            moto_session = self.srp.verify(responses)
            if moto_session is None:
                return cognito_error("NotAuthorizedException", "Incorrect username or password.")
            responses["PASSWORD_CLAIM_SECRET_BLOCK"] = moto_session
            body = json.dumps({**request, "ChallengeResponses": responses}).encode()
        return self._moto(action, body)

    def _start_srp(self, request: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        params = request.get("AuthParameters") or {}
        status, headers, reply = self._moto("InitiateAuth", json.dumps(request).encode())
        answer = _json_object(reply)
        if status != 200 or answer.get("ChallengeName") != "PASSWORD_VERIFIER":
            return status, headers, reply
        password = self.password_of(self.user_pool_id, str(params.get("USERNAME", "")))
        if password is None:
            return cognito_error("NotAuthorizedException", "Incorrect username or password.")
        try:
            challenge = self.srp.challenge(
                self.user_pool_id, answer["ChallengeParameters"], str(params.get("SRP_A", "")), password
            )
        except ValueError:
            return cognito_error("InvalidParameterException", "SRP_A is not a valid SRP value.")
        return status, headers, json.dumps({**answer, "ChallengeParameters": challenge}).encode()

    def _moto(self, action: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(  # noqa: S310 - loopback moto server
            f"{self.moto_url}/",
            data=body,
            headers={
                "content-type": "application/x-amz-json-1.1",
                "x-amz-target": f"{TARGET_PREFIX}{action}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, {"content-type": "application/x-amz-json-1.1"}, response.read()
        except urllib.error.HTTPError as failed:
            return failed.code, {"content-type": "application/x-amz-json-1.1"}, failed.read()


def cognito_error(error_type: str, message: str) -> tuple[int, dict[str, str], bytes]:
    error = {"__type": error_type, "message": message}
    return 400, {"content-type": "application/x-amz-json-1.1"}, json.dumps(error).encode()


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
