"""Seller Central's consent page of the SP-API website authorization workflow, simulated.

    GET  /apps/authorize/consent?application_id=..&state=..&redirect_uri=..[&version=beta][&seller=..]
         an HTML page: which simulated seller account is signed in (a select of the world's sellers;
         `seller` preselects one) and an Authorize and a Deny button, in one real <form>
    POST /apps/authorize/consent   (the form: application_id, state, redirect_uri, version, seller,
         decision=authorize|deny)
         authorize -> 302 <redirect_uri>?state=..&selling_partner_id=..&spapi_oauth_code=..
         deny      -> 302 <redirect_uri>?error=access_denied&error_description=..&state=..

The `spapi_oauth_code` is single-use, bound to the redirect_uri and expires after 5 minutes (the LWA
token endpoint enforces all three, see `sellerflow_dev.simulator.lwa`). A consent by a seller who had
revoked the app authorizes it again (a fresh refresh token).

The redirect's `selling_partner_id` is only text in the browser's address bar, as at Amazon: a test
may edit it before posting the callback. The code, the refresh token it is exchanged for and every
access token stay bound to the account that consented, so an edited id changes nothing the simulated
SP-API answers (getMarketplaceParticipations shows the consenting account).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from sellerflow_dev.simulator.world import SimWorld

CONSENT_PATH = "/apps/authorize/consent"


def application_id(world: SimWorld) -> str:
    """The simulated app's SP-API application id (deterministic per world seed)."""
    digest = hashlib.sha256(f"sellerflow-sim-app:{world.seed}".encode()).hexdigest()
    return f"amzn1.sp.solution.{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


@dataclass
class PageResult:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


_PAGE_HEADERS = {
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "referrer-policy": "no-referrer",
}


def _page(status: int, title: str, body: str, *, form_target: str | None = None) -> PageResult:
    document = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem}"
        "button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}select{font-size:1rem}</style>"
        f"</head><body><main>{body}</main></body></html>\n"
    )
    headers = dict(_PAGE_HEADERS)
    if form_target:
        # Browsers apply form-action to the redirect that follows the post: allow the (checked)
        # redirect_uri's origin, as Seller Central does, or the seller never gets back to the app.
        parts = urlsplit(form_target)
        headers["content-security-policy"] += f" {parts.scheme}://{parts.netloc}"
    return PageResult(status, document.encode("utf-8"), headers)


def _error_page(message: str) -> PageResult:
    return _page(
        400,
        "Seller Central (simulated) - authorization error",
        f'<h1>We could not start the authorization</h1><p id="error">{html.escape(message)}</p>',
    )


def _valid_redirect(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not parts.fragment


def _with_params(uri: str, params: dict[str, str]) -> str:
    separator = "&" if urlsplit(uri).query else "?"
    return f"{uri}{separator}{urlencode(params)}"


class ConsentPage:
    """The consent page over one world; codes are minted by `issue_code(seller_id, redirect_uri)`."""

    def __init__(self, world: SimWorld, issue_code: Callable[[str, str | None], str]) -> None:
        self.world = world
        self._issue_code = issue_code
        self.application_id = application_id(world)

    def _check(self, values: dict[str, str]) -> str | None:
        if values.get("application_id") != self.application_id:
            return "Unknown application_id: this application is not registered in this Seller Central."
        if not values.get("state"):
            return "The request is missing the state parameter."
        if not _valid_redirect(values.get("redirect_uri", "")):
            return "redirect_uri must be an absolute http(s) URI registered for the application."
        return None

    def show(self, query: dict[str, str]) -> PageResult:
        problem = self._check(query)
        if problem:
            return _error_page(problem)
        chosen = query.get("seller", "")
        with self.world.lock:
            sellers = [(s.seller_id, s.name) for s in self.world.sellers]
        options = "".join(
            f'<option value="{html.escape(seller_id)}"{" selected" if seller_id == chosen else ""}>'
            f"{html.escape(name)} ({html.escape(seller_id)})</option>"
            for seller_id, name in sellers
        )
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(query.get(name, ""))}">'
            for name in ("application_id", "state", "redirect_uri", "version")
        )
        draft = ' <small id="draft">(draft application: version=beta)</small>' if query.get("version") else ""
        body = (
            f"<h1>Authorize Sellerflow</h1><p>Simulated Seller Central.{draft}</p>"
            "<p>Sellerflow asks for access to your selling account's data through the Selling Partner "
            "API. The authorization lasts one year.</p>"
            f'<form id="consent-form" method="post" action="{CONSENT_PATH}">{hidden}'
            f'<p><label for="seller">Signed in as</label> <select id="seller" name="seller">{options}'
            "</select></p>"
            '<p><button id="authorize" type="submit" name="decision" value="authorize">Authorize</button>'
            '<button id="deny" type="submit" name="decision" value="deny">Deny</button></p></form>'
        )
        return _page(
            200,
            "Seller Central (simulated) - Authorize Sellerflow",
            body,
            form_target=query.get("redirect_uri"),
        )

    def decide(self, form: dict[str, str]) -> PageResult:
        problem = self._check(form)
        if problem:
            return _error_page(problem)
        redirect_uri, state = form["redirect_uri"], form["state"]
        if form.get("decision") != "authorize":
            params = {
                "error": "access_denied",
                "error_description": "The selling partner denied the authorization request.",
                "state": state,
            }
            return PageResult(302, headers={"location": _with_params(redirect_uri, params)})
        seller_id = form.get("seller", "")
        try:
            self.world.seller(seller_id)
        except KeyError:
            return _error_page("Choose the selling account to authorize.")
        code = self._issue_code(seller_id, redirect_uri)
        params = {"state": state, "selling_partner_id": seller_id, "spapi_oauth_code": code}
        return PageResult(302, headers={"location": _with_params(redirect_uri, params)})
