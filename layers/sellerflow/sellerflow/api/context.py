"""What every route family shares: the request being served, who is calling, the collaborators.

One `ApiContext` per app. Its `Runtime` (token verifier, ports, `SellerAccess`, services) is built on
the app's first request, not at import, so importing an app needs neither AWS nor configuration.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Protocol, TypeVar

from chalice.app import Blueprint, Chalice, Request, Response
from pydantic import BaseModel, ValidationError

from sellerflow.api.errors import JSON_HEADERS, current, install_error_middleware
from sellerflow.api.families import LazyFamily
from sellerflow.api.models import single_values
from sellerflow.api.ports import ApiPorts, PortsFactory, with_given
from sellerflow.audit.context import begin_request
from sellerflow.errors import Forbidden, InvalidInput
from sellerflow.settings import Settings, get_settings
from sellerflow.tenancy import stop_acting

# The runtime's pieces (the token verifier and its JWT stack, the seller access, the team's services)
# are imported when an app builds its runtime, on its first request: importing an app that needs few
# of them (the Twilio webhooks) imports none.
if TYPE_CHECKING:
    from sellerflow.api.access import SellerAccess
    from sellerflow.api.auth import Caller, SigningKeySource
    from sellerflow.domain import Membership
    from sellerflow.members.permissions import Permission
    from sellerflow.members.review import AccessReviewService
    from sellerflow.members.service import TeamService
    from sellerflow.principal import Principal
    from sellerflow.privacy.service import SellerRights

Model = TypeVar("Model", bound=BaseModel)


class Authenticator(Protocol):
    def authenticate(self, authorization: str | None) -> Caller: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Runtime:
    """The collaborators of one app, built once."""

    def __init__(
        self, *, settings: Settings, verifier: Authenticator, ports: ApiPorts, clock: Callable[[], datetime]
    ) -> None:
        self.settings = settings
        self.verifier = verifier
        self.ports = ports
        self.clock = clock
        from sellerflow.api.access import SellerAccess

        self.access = SellerAccess(
            sellers=ports.sellers, orders=ports.orders, audit=ports.audit, grants=ports.team, clock=clock,
            activity=ports.activity,
        )  # fmt: skip

    @cached_property
    def team(self) -> TeamService:
        from sellerflow.members.service import TeamConfig, TeamService

        return TeamService(
            store=self.ports.team,
            users=lambda: self.ports.users,
            audit=self.ports.audit,
            clock=self.clock,
            config=TeamConfig(
                web_origin=self.settings.web_origin,
                invitation_ttl=timedelta(days=self.settings.invitation_ttl_days),
                break_glass_max_minutes=self.settings.break_glass_max_minutes,
            ),
        )

    @cached_property
    def reviews(self) -> AccessReviewService:
        from sellerflow.members.review import AccessReviewService

        return AccessReviewService(
            store=self.ports.reviews, team=self.team, audit=self.ports.audit, clock=self.clock
        )

    @cached_property
    def rights(self) -> SellerRights:
        from sellerflow.privacy.service import SellerRights

        p = self.ports
        return SellerRights(
            members=self.access,
            workflows=p.workflows,
            objects=p.export_objects,
            audit=p.audit,
            config=p.privacy,
        )


@dataclass(frozen=True)
class RuntimeRecipe:
    """How an app builds its runtime: the deployment's ports unless a test gave its own."""

    settings: Settings | None
    key_source: SigningKeySource | None
    verifier: Authenticator | None
    clock: Callable[[], datetime] | None
    ports: PortsFactory
    given: dict[str, object]

    def build(self) -> Runtime:
        from sellerflow.api.auth import TokenVerifier

        settings = self.settings or get_settings()
        verifier = self.verifier or TokenVerifier.from_settings(settings, keys=self.key_source)
        ports = with_given(self.ports(settings), self.given)
        return Runtime(settings=settings, verifier=verifier, ports=ports, clock=self.clock or _utcnow)


class ApiContext:
    """The request, the caller and the runtime, as the routes of one app see them."""

    def __init__(self, app: Chalice, recipe: RuntimeRecipe) -> None:
        self._app = app
        self._recipe = recipe
        self._lock = threading.Lock()
        self._built: list[Runtime] = []

    @property
    def runtime(self) -> Runtime:
        with self._lock:
            if not self._built:
                self._built.append(self._recipe.build())
            return self._built[0]

    @property
    def ports(self) -> ApiPorts:
        return self.runtime.ports

    @property
    def access(self) -> SellerAccess:
        return self.runtime.access

    def now(self) -> datetime:
        return self.runtime.clock()

    def request(self) -> Request:
        return current(self._app.current_request)

    def caller(self) -> Principal:
        """The verified caller of this request (401 otherwise)."""
        begin_request()  # no break-glass mark survives from an earlier request
        stop_acting()  # nor the seller an earlier request acted for
        return self.runtime.verifier.authenticate(self.request().headers.get("authorization")).principal

    def signed_in(self) -> Principal:
        """The caller of a route that takes no query parameters (401, then 400 for any given)."""
        who = self.caller()
        self.query()
        return who

    def admin(self) -> Principal:
        """A global admin (the Cognito group `admins`; 403 for anyone else) calling a route that takes
        no query parameters."""
        who = self.caller()
        if not who.is_admin:
            raise Forbidden("admin routes are for Sellerflow operators (the 'admins' group) only")
        self.query()
        return who

    def query_params(self) -> dict[str, list[str]]:
        params = self.request().query_params
        return {} if params is None else {name: params.getlist(name) for name in params}

    def query(self, *allowed: str) -> dict[str, str]:
        """One value per query parameter, from the allowed names only (400 otherwise)."""
        return single_values(self.query_params(), allowed=allowed)

    def body(self) -> bytes:
        raw = self.request().raw_body
        return raw.encode() if isinstance(raw, str) else (raw or b"")

    def member(self, seller_id: str, permission: Permission) -> tuple[Principal, Membership]:
        """The caller and its access to the seller, if the permission table allows (404/403 otherwise)."""
        who = self.caller()
        return who, self.access.require(who, seller_id, permission)

    def member_without_query(self, seller_id: str, permission: Permission) -> Principal:
        who, _ = self.member(seller_id, permission)
        self.query()
        return who


def json_response(
    model: BaseModel | None, status: int = 200, headers: dict[str, str | list[str]] | None = None
) -> Response:
    """A response model as JSON (`None`: an empty 204 body)."""
    if model is None:
        return Response(body="", status_code=status, headers={"Cache-Control": "no-store"})
    return Response(
        body=model.model_dump(mode="json"), status_code=status, headers={**JSON_HEADERS, **(headers or {})}
    )


def validation_problems(error: ValidationError) -> str:
    """Each problem of a body as `field: message` (never the value given)."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}"
        for e in error.errors(include_input=False)
    )


def parse_json_body(raw: bytes, model: type[Model], expected: str) -> Model:
    """The body as `model`; 400 naming each problem after `expected` (what a valid body looks like)."""
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        raise InvalidInput(f"{expected}: {validation_problems(exc)}"[:500]) from None


RouteFamily = Callable[[ApiContext], Blueprint]


def _act_for_no_seller_between_requests(app: Chalice) -> None:
    """A request acts for a seller only after `SellerAccess.require` let its caller in: never for the
    seller of the request before it (a warm container serves many callers on one thread)."""

    @app.middleware("http")
    def act_for_no_seller(event: Request, get_response: Callable[[Request], Response]) -> Response:
        stop_acting()
        try:
            return get_response(event)
        finally:
            stop_acting()


class AppFactory:
    """Builds a Chalice app of some route families with the error middleware, e.g. `create_app(...)`.

    `ports`: where the deployment's adapters come from (by default what `sellerflow.wiring.api`
    installed); `given`: ports, by their `ApiPorts` name, that replace those (tests' fakes);
    `verifier`: replaces the Cognito token verifier built from the settings and `key_source`;
    `eager`: import every lazy family now (`sellerflow.api.families`; the OpenAPI generator and the
    route table's generator need their `RouteDoc`s and views), not on its first request.
    """

    def __init__(
        self, name: str, families: tuple[RouteFamily, ...], deployment: Callable[[], PortsFactory]
    ) -> None:
        self.name = name
        self.families = families
        self._deployment = deployment

    def __call__(
        self,
        *,
        settings: Settings | None = None,
        key_source: SigningKeySource | None = None,
        verifier: Authenticator | None = None,
        clock: Callable[[], datetime] | None = None,
        ports: PortsFactory | None = None,
        eager: bool = False,
        **given: object,
    ) -> Chalice:
        app = Chalice(app_name=self.name)
        app.debug = False
        recipe = RuntimeRecipe(
            settings=settings, key_source=key_source, verifier=verifier, clock=clock,
            ports=ports or (lambda s: self._deployment()(s)), given=given,
        )  # fmt: skip
        ctx = ApiContext(app, recipe)
        install_error_middleware(app)
        _act_for_no_seller_between_requests(app)
        for family in self.families:
            build = family.load() if eager and isinstance(family, LazyFamily) else family
            app.register_blueprint(build(ctx))
        return app
