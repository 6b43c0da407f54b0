"""`GET/PUT /sellers/{id}/settings/currency`: the home currency of the dashboard's one total."""

from __future__ import annotations

import json

from api_fakes import MEMBER_SUB, SELLER_A, World, bearer

from sellerflow.domain import Role

URL = f"/sellers/{SELLER_A}/settings/currency"


def _put(world: World, body: object, sub: str = MEMBER_SUB) -> object:
    headers = {**bearer(world.tokens.id_token(sub)), "Content-Type": "application/json"}
    return world.client.http.put(URL, headers=headers, body=json.dumps(body))


def test_the_default_is_the_main_marketplaces_currency_and_an_owner_changes_it(world: World) -> None:
    got = world.get(URL, world.tokens.id_token())
    assert got.status_code == 200
    assert {k: got.json_body[k] for k in ("home_currency", "chosen", "default")} == {
        "home_currency": "USD",
        "chosen": False,
        "default": "USD",
    }
    assert {"EUR", "GBP", "JPY", "CAD", "USD"} <= set(got.json_body["choices"])
    put = _put(world, {"home_currency": "EUR"})
    assert put.status_code == 200
    assert put.json_body["home_currency"] == "EUR"
    assert put.json_body["chosen"]
    assert world.sellers.profiles_by_id[SELLER_A].home_currency == "EUR"
    assert world.audit.entries[-1][2:] == ("settings.currency", "home_currency=EUR")
    sellers = world.get("/sellers", world.tokens.id_token()).json_body["sellers"]
    assert sellers[0]["home_currency"] == "EUR"
    # null puts the default back
    assert _put(world, {"home_currency": None}).json_body == {**got.json_body}


def test_a_currency_without_reference_rates_or_a_bad_body_is_refused(world: World) -> None:
    for body in (
        {"home_currency": "XYZ"},
        {"home_currency": "eur"},
        {"currency": "EUR"},
        {"home_currency": 5},
    ):
        response = _put(world, body)
        assert response.status_code == 400, body
    assert world.sellers.profiles_by_id[SELLER_A].home_currency is None


def test_only_an_owner_changes_it(world: World) -> None:
    analyst = "44444444-aaaa-4bbb-8ccc-000000000004"
    world.sellers.members[(SELLER_A, analyst)] = Role.ANALYST
    assert world.get(URL, world.tokens.id_token(analyst)).status_code == 200
    assert _put(world, {"home_currency": "EUR"}, sub=analyst).status_code == 403
    assert world.sellers.profiles_by_id[SELLER_A].home_currency is None
