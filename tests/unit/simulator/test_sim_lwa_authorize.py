"""Login with Amazon's /ap/oa for the Ads API, simulated: the page, Allow/Cancel, and the
authorization_code grant of an advertising code (single use, redirect_uri, 5 minutes, ads scope)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

from sellerflow_dev.simulator import SimServer, SimWorld
from sellerflow_dev.simulator.lwa import ADS_SCOPE, SPAPI_SCOPE, LwaService
from sellerflow_dev.simulator.server import Request

REDIRECT = "http://127.0.0.1:9/connect-ads-callback.html"


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def world() -> SimWorld:
    return SimWorld.generate(sellers=2, seed=4, now=datetime(2026, 2, 1, tzinfo=UTC))


def exchange(lwa: LwaService, code: str, redirect_uri: str = REDIRECT) -> tuple[int, dict[str, str]]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": lwa.world.client_id,
        "client_secret": lwa.world.client_secret,
    }
    result = lwa.token(form)
    return result.status, result.body


def query(sim: SimServer, **extra: str) -> dict[str, str]:
    return {
        "client_id": sim.world.client_id,
        "scope": ADS_SCOPE,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "state": "s-1",
        **extra,
    }


def test_the_page_offers_every_account_in_a_form_whose_csp_allows_the_redirect_origin() -> None:
    sim = SimServer(world())
    page = sim.dispatch(Request.from_target("GET", f"/ap/oa?{urlencode(query(sim))}"))
    html = page.encoded().decode()
    assert page.status == 200
    assert page.content_type.startswith("text/html")
    assert '<form id="authorize-form" method="post" action="/ap/oa">' in html
    assert all(s.seller_id in html for s in sim.world.sellers)
    assert 'id="allow"' in html
    assert 'id="cancel"' in html
    assert page.headers["content-security-policy"].endswith("form-action 'self' http://127.0.0.1:9")


def test_a_bad_request_is_shown_on_the_page_and_never_redirected() -> None:
    sim = SimServer(world())
    for bad in (
        {"client_id": "amzn1.application-oa2-client.other"},
        {"scope": "profile"},
        {"response_type": "token"},
        {"redirect_uri": "javascript:alert(1)"},
        {"state": ""},
    ):
        page = sim.dispatch(Request.from_target("GET", f"/ap/oa?{urlencode(query(sim, **bad))}"))
        assert page.status == 400, bad
        assert "location" not in page.headers


def test_allow_redirects_with_an_advertising_code_and_cancel_with_access_denied() -> None:
    sim = SimServer(world())
    seller = sim.world.sellers[1]
    form = query(sim) | {"seller": seller.seller_id}
    yes = sim.dispatch(Request("POST", "/ap/oa", body=urlencode(form | {"decision": "allow"}).encode()))
    assert yes.status == 302
    assert yes.headers["location"].startswith(REDIRECT + "?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(yes.headers["location"]).query).items()}
    assert params["state"] == "s-1"
    assert params["scope"] == ADS_SCOPE
    status, body = exchange(sim.lwa, params["code"])
    assert status == 200
    assert body["refresh_token"] == seller.ads_refresh_token
    # the access token carries the advertising scope of that seller, not the SP-API's
    assert sim.lwa.authenticate(body["access_token"], scope=ADS_SCOPE) == seller.seller_id
    assert body["refresh_token"] != seller.refresh_token
    no = sim.dispatch(Request("POST", "/ap/oa", body=urlencode(form | {"decision": "cancel"}).encode()))
    denied = {k: v[0] for k, v in parse_qs(urlsplit(no.headers["location"]).query).items()}
    assert no.status == 302
    assert denied["error"] == "access_denied"
    assert denied["state"] == "s-1"
    assert "code" not in denied


def test_an_advertising_code_is_single_use_bound_to_its_redirect_uri_and_lives_five_minutes() -> None:
    clock = Clock()
    lwa = LwaService(world(), clock=clock)
    seller = lwa.world.sellers[0]
    used = lwa.issue_ads_code(seller.seller_id, REDIRECT)
    assert exchange(lwa, used)[0] == 200
    assert exchange(lwa, used)[1]["error"] == "invalid_grant"
    elsewhere = lwa.issue_ads_code(seller.seller_id, REDIRECT)
    assert exchange(lwa, elsewhere, "http://127.0.0.1:9/elsewhere")[1]["error"] == "invalid_grant"
    assert exchange(lwa, elsewhere)[1]["error"] == "invalid_grant"  # used up by the failed attempt
    late = lwa.issue_ads_code(seller.seller_id, REDIRECT)
    clock.now = 300.0
    assert exchange(lwa, late)[1]["error"] == "invalid_grant"
    # an SP-API code still answers the SP-API grant
    status, body = exchange(lwa, lwa.issue_code(seller.seller_id, REDIRECT))
    assert (status, body["refresh_token"]) == (200, seller.refresh_token)
    assert lwa.authenticate(body["access_token"], scope=SPAPI_SCOPE) == seller.seller_id
