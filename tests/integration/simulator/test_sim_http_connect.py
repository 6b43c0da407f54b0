"""The website authorization workflow against the simulator over HTTP: consent form -> redirect ->
authorization_code grant -> getMarketplaceParticipations, which conforms to the official Sellers model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jsonschema
import pytest

from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld

REDIRECT = "http://127.0.0.1:9/connect-callback.html"
SELLERS_MODEL = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "spapi"
    / "models"
    / "sellers-api-model"
    / "sellers.json"
)


class FormReader(HTMLParser):
    """The consent page's form: its action and the values a browser would submit."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.options: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a["action"]
        elif tag == "input":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "option":
            self.options.append(a["value"])


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = SimServer(SimWorld.generate(sellers=3, seed=21), SimConfig(rate_scale=1000))
    server.start()
    yield server
    server.stop()


def consent(sim: SimServer, seller_id: str, decision: str = "authorize") -> dict[str, list[str]]:
    params = {
        "application_id": sim.application_id,
        "state": "st-1",
        "redirect_uri": REDIRECT,
        "version": "beta",
    }
    page = httpx.get(sim.consent_url, params=params)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    form = FormReader()
    form.feed(page.text)
    assert seller_id in form.options
    submitted = form.fields | {"seller": seller_id, "decision": decision}
    answer = httpx.post(sim.url + form.action, data=submitted, follow_redirects=False)
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return parse_qs(urlsplit(location).query)


def grant(sim: SimServer, code: str, redirect_uri: str = REDIRECT) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": sim.world.client_id,
        "client_secret": sim.world.client_secret,
    }
    return httpx.post(sim.lwa_endpoint, data=form)


def _strict(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items() if not k.startswith("x-") and k != "example"}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def assert_conforms(instance: Any, definition: str) -> None:
    if not SELLERS_MODEL.is_file():
        pytest.skip("the official SP-API models are not available")
    definitions = _strict(json.loads(SELLERS_MODEL.read_text())["definitions"])
    validator = jsonschema.Draft4Validator(
        {"$ref": f"#/definitions/{definition}", "definitions": definitions}
    )
    errors = list(validator.iter_errors(instance))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_consent_code_exchange_and_participations_over_http(sim: SimServer) -> None:
    seller = sim.world.sellers[2]
    params = consent(sim, seller.seller_id)
    assert params["state"] == ["st-1"]
    assert params["selling_partner_id"] == [seller.seller_id]
    code = params["spapi_oauth_code"][0]
    exchanged = grant(sim, code)
    assert exchanged.status_code == 200
    assert exchanged.json()["refresh_token"] == seller.refresh_token
    # single use
    assert grant(sim, code).json()["error"] == "invalid_grant"
    participations = httpx.get(
        sim.api_endpoint + "/sellers/v1/marketplaceParticipations",
        headers={"x-amz-access-token": exchanged.json()["access_token"]},
    )
    assert participations.status_code == 200
    assert participations.headers["x-amzn-RateLimit-Limit"]
    body = participations.json()
    assert_conforms(body, "GetMarketplaceParticipationsResponse")
    assert [p["marketplace"]["id"] for p in body["payload"]] == seller.marketplace_ids
    assert {p["storeName"] for p in body["payload"]} == {seller.name}


def test_a_code_for_another_redirect_uri_is_refused(sim: SimServer) -> None:
    code = consent(sim, sim.world.sellers[0].seller_id)["spapi_oauth_code"][0]
    assert grant(sim, code, "http://127.0.0.1:9/evil").json()["error"] == "invalid_grant"


def test_a_denied_consent_redirects_with_access_denied(sim: SimServer) -> None:
    params = consent(sim, sim.world.sellers[0].seller_id, decision="deny")
    assert params["error"] == ["access_denied"]
    assert "spapi_oauth_code" not in params


def test_the_error_shape_of_participations_conforms(sim: SimServer) -> None:
    answer = httpx.get(sim.api_endpoint + "/sellers/v1/marketplaceParticipations")
    assert answer.status_code == 403
    assert_conforms(answer.json(), "GetMarketplaceParticipationsResponse")  # {"errors": [...]}
