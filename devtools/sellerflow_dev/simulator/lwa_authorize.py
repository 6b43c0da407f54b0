"""Login with Amazon's authorize page for the Amazon Ads API (authorization-code grant), simulated.

    GET  /ap/oa?client_id=..&scope=advertising::campaign_management&response_type=code
               &redirect_uri=..&state=..
         an HTML page: which simulated Amazon account is signed in (a select of the world's sellers)
         and an Allow and a Cancel button, in one real <form>
    POST /ap/oa   (the form: client_id, scope, response_type, redirect_uri, state, seller,
         decision=allow|cancel)
         allow  -> 302 <redirect_uri>?code=..&scope=advertising::campaign_management&state=..
         cancel -> 302 <redirect_uri>?error=access_denied&error_description=..&state=..

The code is single-use, bound to the redirect_uri and expires after 5 minutes; the LWA token
endpoint's authorization_code grant answers it with the seller's advertising refresh token (see
`sellerflow_dev.simulator.lwa`). Problems with the request itself (unknown client, missing or other
scope, bad redirect_uri) are shown on the page, never redirected, as LWA does.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from sellerflow_dev.simulator.consent import PageResult, _page, _valid_redirect, _with_params
from sellerflow_dev.simulator.lwa import ADS_SCOPE
from sellerflow_dev.simulator.world import SimWorld

AUTHORIZE_PATH = "/ap/oa"
_FIELDS = ("client_id", "scope", "response_type", "redirect_uri", "state")


def _error_page(message: str) -> PageResult:
    return _page(
        400,
        "Amazon (simulated) - sign-in error",
        f'<h1>We could not process this request</h1><p id="error">{html.escape(message)}</p>',
    )


class AdsAuthorizePage:
    """The authorize page over one world; codes are minted by `issue_code(seller_id, redirect_uri)`."""

    def __init__(self, world: SimWorld, issue_code: Callable[[str, str], str], *, prefix: str = "") -> None:
        self.world = world
        self._issue_code = issue_code
        self.action = prefix + AUTHORIZE_PATH  # the page of a region's LWA host posts back to that host

    def _check(self, values: dict[str, str]) -> str | None:
        if values.get("client_id") != self.world.client_id:
            return "Unknown client_id: no Login with Amazon application has this client identifier."
        if values.get("response_type") != "code":
            return "response_type must be code (the authorization-code grant)."
        if ADS_SCOPE not in values.get("scope", "").split():
            return f"The request must ask for the {ADS_SCOPE} scope."
        if not _valid_redirect(values.get("redirect_uri", "")):
            return "redirect_uri must be an absolute http(s) URI allowed for the application."
        if not values.get("state"):
            return "The request is missing the state parameter."
        return None

    def show(self, query: dict[str, str]) -> PageResult:
        problem = self._check(query)
        if problem:
            return _error_page(problem)
        with self.world.lock:
            sellers = [(s.seller_id, s.name) for s in self.world.sellers]
        options = "".join(
            f'<option value="{html.escape(seller_id)}">{html.escape(name)} ({html.escape(seller_id)})</option>'
            for seller_id, name in sellers
        )
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(query.get(name, ""))}">'
            for name in _FIELDS
        )
        body = (
            "<h1>Sellerflow would like to access your Amazon Advertising data</h1>"
            "<p>Simulated Login with Amazon.</p>"
            "<p>Sellerflow asks to read your Sponsored Products campaigns and reports "
            f"(<code>{html.escape(ADS_SCOPE)}</code>).</p>"
            f'<form id="authorize-form" method="post" action="{self.action}">{hidden}'
            f'<p><label for="seller">Signed in as</label> <select id="seller" name="seller">{options}'
            "</select></p>"
            '<p><button id="allow" type="submit" name="decision" value="allow">Allow</button>'
            '<button id="cancel" type="submit" name="decision" value="cancel">Cancel</button></p></form>'
        )
        return _page(
            200, "Amazon (simulated) - Login with Amazon", body, form_target=query.get("redirect_uri")
        )

    def decide(self, form: dict[str, str]) -> PageResult:
        problem = self._check(form)
        if problem:
            return _error_page(problem)
        redirect_uri, state = form["redirect_uri"], form["state"]
        if form.get("decision") != "allow":
            params = {
                "error": "access_denied",
                "error_description": "The user denied the authorization request.",
                "state": state,
            }
            return PageResult(302, headers={"location": _with_params(redirect_uri, params)})
        seller_id = form.get("seller", "")
        try:
            self.world.seller(seller_id)
        except KeyError:
            return _error_page("Choose the Amazon account to sign in with.")
        code = self._issue_code(seller_id, redirect_uri)
        params = {"code": code, "scope": ADS_SCOPE, "state": state}
        return PageResult(302, headers={"location": _with_params(redirect_uri, params)})
