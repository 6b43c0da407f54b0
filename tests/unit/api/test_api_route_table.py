"""The lazy route families (`sellerflow.api.families`): an app registers every route at import from the
generated route table and imports a family on its first request; the table must be current.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest
from chalice.app import Chalice, Response
from chalice.test import Client

from sellerflow.api.context import ApiContext, AppFactory
from sellerflow.api.errors import SECURITY_HEADERS, ApiBlueprint
from sellerflow.api.families import LazyFamily
from sellerflow.api.ports import ApiPorts
from sellerflow.api.route_table import ROUTES
from sellerflow.errors import Unauthenticated
from sellerflow.settings import Settings
from sellerflow_dev.route_table import FACTORIES, route_table


def _routes(app: Chalice) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    return {
        (method, path): (entry.view_name, tuple(entry.content_types))
        for path, methods in app.routes.items()
        for method, entry in methods.items()
    }


def test_the_committed_route_table_is_what_the_families_register() -> None:
    assert route_table() == ROUTES, (
        "stale: python -m sellerflow_dev.route_table layers/sellerflow/sellerflow/api/route_table.py"
    )


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.name)
def test_a_lazy_app_registers_exactly_the_routes_of_the_eager_one(factory: AppFactory) -> None:
    assert all(isinstance(family, LazyFamily) for family in factory.families)
    lazy, eager = factory(), factory(eager=True)
    assert _routes(lazy) == _routes(eager)
    assert _routes(lazy)  # the apps have routes


class _CountingFamily(LazyFamily):
    """A lazy family whose loads are counted."""

    def load(self) -> Any:
        LOADS.append(self.key)
        return super().load()


LOADS: list[str] = []
_PORT_NAMES = [f.name for f in fields(ApiPorts)]  # none is used: the caller is refused first


class _NoToken:
    def authenticate(self, authorization: str | None) -> Any:
        raise Unauthenticated("no token")


def test_a_family_is_imported_on_its_first_request_and_once() -> None:
    LOADS.clear()
    family = _CountingFamily("sellerflow.api.routes_transparency", "transparency_routes")
    settings = Settings(aws_region="us-east-1")
    app = AppFactory("lazy-test", (family,), lambda: _no_ports)(
        settings=settings, verifier=_NoToken(), ports=lambda s: ApiPorts(**dict.fromkeys(_PORT_NAMES))
    )
    assert LOADS == []  # registering the routes imported nothing
    with Client(app) as client:
        first = client.http.get("/sellers/A1SELLER/subprocessors")
        second = client.http.get("/sellers/A1SELLER/subprocessors")
    assert [family.key] == LOADS
    assert (first.status_code, second.status_code) == (401, 401)  # the real view answered both


def broken_routes(ctx: ApiContext) -> ApiBlueprint:
    raise RuntimeError("this family cannot be built")


def test_a_family_that_fails_to_load_answers_the_generic_500_with_the_security_headers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    family = LazyFamily(__name__, "broken_routes")
    monkeypatch.setitem(ROUTES, family.key, (("GET", "/broken", "broken", ("application/json",)),))
    app = AppFactory("lazy-test", (family,), lambda: _no_ports)()
    with Client(app) as client:
        response = client.http.get("/broken")
    assert response.status_code == 500
    assert response.json_body["error"] == "internal_error"
    assert "cannot be built" not in response.body.decode()
    for header, value in SECURITY_HEADERS.items():
        assert response.headers[header] == value


def test_a_family_missing_from_the_table_is_imported_when_the_app_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    family = LazyFamily("sellerflow.api.routes_transparency", "transparency_routes")
    rows = ROUTES[family.key]
    monkeypatch.delitem(ROUTES, family.key)
    app = AppFactory("lazy-test", (family,), lambda: _no_ports)()
    assert {(method, path) for method, path, _, _ in rows} == set(_routes(app))


def _no_ports(settings: Any) -> Response:
    raise AssertionError("no port is needed")
