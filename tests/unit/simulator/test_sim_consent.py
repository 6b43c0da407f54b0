"""Seller Central's consent page and the authorization_code grant: single use, redirect_uri, 5 minutes."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

from sellerflow_dev.simulator import SimServer, SimWorld
from sellerflow_dev.simulator.lwa import LwaService
from sellerflow_dev.simulator.server import Request

REDIRECT = "http://127.0.0.1:9/connect-callback.html"


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def world() -> SimWorld:
    return SimWorld.generate(sellers=2, seed=4, now=datetime(2026, 2, 1, tzinfo=UTC))


def exchange(lwa: LwaService, code: str, redirect_uri: str = REDIRECT) -> tuple[int, str]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": lwa.world.client_id,
        "client_secret": lwa.world.client_secret,
    }
    result = lwa.token(form)
    return result.status, result.body.get("error") or result.body["refresh_token"]


def test_a_code_is_single_use_bound_to_its_redirect_uri_and_lives_five_minutes() -> None:
    clock = Clock()
    lwa = LwaService(world(), clock=clock)
    seller = lwa.world.sellers[0]
    assert exchange(lwa, lwa.issue_code(seller.seller_id, REDIRECT)) == (200, seller.refresh_token)
    used = lwa.issue_code(seller.seller_id, REDIRECT)
    exchange(lwa, used)
    assert exchange(lwa, used) == (400, "invalid_grant")
    other_redirect = lwa.issue_code(seller.seller_id, REDIRECT)
    assert exchange(lwa, other_redirect, "http://127.0.0.1:9/elsewhere") == (400, "invalid_grant")
    assert exchange(lwa, other_redirect) == (400, "invalid_grant")  # used up by the failed attempt
    late = lwa.issue_code(seller.seller_id, REDIRECT)
    clock.now = 300.0
    assert exchange(lwa, late) == (400, "invalid_grant")


def consent_query(sim: SimServer, **extra: str) -> str:
    query = {
        "application_id": sim.application_id,
        "state": "s-1",
        "redirect_uri": REDIRECT,
        "version": "beta",
    }
    return urlencode({**query, **extra})


def test_the_consent_page_offers_every_seller_and_preselects_one() -> None:
    sim = SimServer(world())
    chosen = sim.world.sellers[1].seller_id
    page = sim.dispatch(
        Request.from_target("GET", f"/apps/authorize/consent?{consent_query(sim, seller=chosen)}")
    )
    html = page.encoded().decode()
    assert page.status == 200
    assert page.content_type.startswith("text/html")
    assert '<form id="consent-form" method="post"' in html
    assert f'<option value="{chosen}" selected>' in html
    assert all(s.seller_id in html for s in sim.world.sellers)
    assert 'id="authorize"' in html
    assert 'id="deny"' in html


def test_an_unknown_application_or_a_missing_state_gets_an_error_page() -> None:
    sim = SimServer(world())
    bad_app = sim.dispatch(
        Request.from_target("GET", f"/apps/authorize/consent?{consent_query(sim, application_id='x')}")
    )
    no_state = sim.dispatch(
        Request.from_target("GET", f"/apps/authorize/consent?{consent_query(sim, state='')}")
    )
    assert bad_app.status == no_state.status == 400


def test_authorize_redirects_with_a_code_and_deny_with_an_error() -> None:
    sim = SimServer(world())
    seller = sim.world.sellers[0]
    form = parse_qs(consent_query(sim))
    body = {k: v[0] for k, v in form.items()} | {"seller": seller.seller_id}
    yes = sim.dispatch(
        Request("POST", "/apps/authorize/consent", body=urlencode(body | {"decision": "authorize"}).encode())
    )
    params = parse_qs(urlsplit(yes.headers["location"]).query)
    assert yes.status == 302
    assert yes.headers["location"].startswith(REDIRECT + "?")
    assert params["state"] == ["s-1"]
    assert params["selling_partner_id"] == [seller.seller_id]
    assert exchange(sim.lwa, params["spapi_oauth_code"][0]) == (200, seller.refresh_token)
    no = sim.dispatch(
        Request("POST", "/apps/authorize/consent", body=urlencode(body | {"decision": "deny"}).encode())
    )
    denied = parse_qs(urlsplit(no.headers["location"]).query)
    assert no.status == 302
    assert denied["error"] == ["access_denied"]
    assert denied["state"] == ["s-1"]
    assert "spapi_oauth_code" not in denied
