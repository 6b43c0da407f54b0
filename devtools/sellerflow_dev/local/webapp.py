"""The web dashboard on the local gateway: static files of `web/`, a generated `/config.json`, the
security headers CloudFront adds in AWS, and a same-origin proxy to moto's Cognito JSON API.

In AWS the dashboard talks to `https://cognito-idp.<region>.amazonaws.com/` directly; locally the
browser posts to `/_cognito/` and this module forwards only Cognito's public sign-in actions (never
an admin action, which moto would accept unsigned) to moto.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sellerflow.api.errors import HSTS, PERMISSIONS_POLICY

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

    def config(self) -> dict[str, str]:
        return {
            "apiBase": self.api_base,
            "region": self.region,
            "userPoolClientId": self.user_pool_client_id,
            "cognitoEndpoint": COGNITO_PROXY_PATH,
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
            error = {"__type": "NotAuthorizedException", "message": "action not allowed from the browser"}
            return 400, {"content-type": "application/x-amz-json-1.1"}, json.dumps(error).encode()
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
