"""The one place where Sellerflow errors become HTTP responses: the apps' error middleware.

Body: `{"error": "<code>", "message": "<what was wrong>"}`. Messages of deliberate errors name the
thing that was wrong (never a token or buyer data). Anything unexpected is a 500 with a generic
message; the exception is logged by type and traceback, without the request (headers hold tokens).

Chalice turns an exception of a view into its own 500 before middleware sees it, unless the
exception is a `ChaliceUnhandledError`; so the routes of an `ApiBlueprint` carry what they raise to
the middleware inside `RouteFailed`, together with their family's own mapping (if any).

The same middleware puts the API's security headers (`SECURITY_HEADERS`) on every response, errors
and Chalice's own 405/415 included: JSON is never sniffed, framed or cached, HTTPS is pinned (HSTS,
preload-eligible) and no browser feature is granted. CloudFront's API response-headers policy and the
local gateway send the same set (tests compare them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from chalice.app import Blueprint, Chalice, ChaliceUnhandledError, Request, Response

from sellerflow.api.docs import ROUTE_DOCS, RouteDoc
from sellerflow.api.models import ErrorOut
from sellerflow.errors import (
    AdsAccountMismatch,
    AlreadyMember,
    AuthorizationCodeRejected,
    BillingConflict,
    BillingReadOnly,
    ConnectStateRejected,
    ExportNotFound,
    Forbidden,
    IncidentNotFound,
    InvalidInput,
    InvitationGone,
    LabelNotFound,
    LastOwner,
    MemberNotFound,
    MissingPackageDimensions,
    NoEligibleRate,
    OrderNotFound,
    PlanLimitReached,
    PurchaseIncomplete,
    RateExpired,
    SellerAlreadyConnected,
    SellerflowError,
    SellerIdentityMismatch,
    SellerNotFound,
    SettlementNotFound,
    Unauthenticated,
    UndeliverableAddress,
    VoidWindowClosed,
    WebhookRejected,
)
from sellerflow.observability import AUTHORIZATION_FAILURES, count, flush_request_metrics, logger

JSON_HEADERS: dict[str, str | list[str]] = {"Content-Type": "application/json", "Cache-Control": "no-store"}

# Browser features the dashboard never uses, denied to every document of this origin.
DENIED_FEATURES = (
    "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen",
    "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer", "microphone", "midi",
    "payment", "picture-in-picture", "publickey-credentials-get", "screen-wake-lock", "serial",
    "usb", "xr-spatial-tracking",
)  # fmt: skip
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)
HSTS = "max-age=63072000; includeSubDomains; preload"  # two years: what hstspreload.org asks for
SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": HSTS,
    "Cache-Control": "no-store",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def with_security_headers(response: Response) -> Response:
    """`response` with the API's security headers (replacing any of the same name, in any case)."""
    names = {name.lower() for name in SECURITY_HEADERS}
    kept = {name: value for name, value in response.headers.items() if name.lower() not in names}
    response.headers = {**kept, **SECURITY_HEADERS}
    return response


# Most specific first: the first matching class wins.
_STATUS: tuple[tuple[type[SellerflowError], int, str], ...] = (
    (Unauthenticated, 401, "unauthenticated"),
    (Forbidden, 403, "forbidden"),
    (SellerNotFound, 404, "not_found"),
    (OrderNotFound, 404, "not_found"),
    (IncidentNotFound, 404, "not_found"),
    (SettlementNotFound, 404, "not_found"),
    (ExportNotFound, 404, "not_found"),
    (InvalidInput, 400, "bad_request"),
    (MemberNotFound, 404, "not_found"),
    (LastOwner, 409, "conflict"),
    (AlreadyMember, 409, "conflict"),
    (InvitationGone, 410, "gone"),
    (ConnectStateRejected, 403, "invalid_state"),
    (AuthorizationCodeRejected, 400, "invalid_grant"),
    (SellerAlreadyConnected, 409, "already_connected"),
    (AdsAccountMismatch, 409, "ads_account_mismatch"),
    (SellerIdentityMismatch, 409, "seller_identity_mismatch"),
    (PlanLimitReached, 402, "plan_limit_reached"),
    (BillingReadOnly, 402, "billing_read_only"),
    (BillingConflict, 409, "billing_conflict"),
    (WebhookRejected, 400, "webhook_rejected"),
    (MissingPackageDimensions, 409, "missing_package_dimensions"),
    (UndeliverableAddress, 422, "undeliverable_address"),
    (NoEligibleRate, 422, "no_eligible_rate"),
    (RateExpired, 409, "rate_expired"),
    (PurchaseIncomplete, 502, "purchase_incomplete"),
    (VoidWindowClosed, 409, "void_window_closed"),
    (LabelNotFound, 404, "not_found"),
)
INTERNAL_MESSAGE = "An internal error occurred."

# A route family's own mapping: a response for the errors it knows, None for the rest.
FamilyErrors = Callable[[Exception], Response | None]
View = TypeVar("View", bound=Callable[..., Response])


def error_body(status: int, code: str, message: str, **headers: str) -> Response:
    body = ErrorOut(error=code, message=message).model_dump()
    return Response(body=body, status_code=status, headers={**JSON_HEADERS, **headers})


def error_response(exc: Exception) -> Response:
    """The HTTP response for an exception raised while serving a request."""
    for error_type, status, code in _STATUS:
        if isinstance(exc, error_type):
            if status in (401, 403):
                count(AUTHORIZATION_FAILURES)
            extra = {"WWW-Authenticate": 'Bearer realm="sellerflow"'} if status == 401 else {}
            return error_body(status, code, str(exc) or code, **extra)
    logger.exception("unhandled error serving an API request", extra={"error_type": type(exc).__name__})
    return error_body(500, "internal_error", INTERNAL_MESSAGE)


class RouteFailed(ChaliceUnhandledError):
    """What a route raised, on its way to the error middleware (Chalice lets only these through)."""

    def __init__(self, cause: Exception, family: FamilyErrors | None) -> None:
        super().__init__(type(cause).__name__)
        self.cause = cause
        self.family = family

    def response(self) -> Response:
        found = self.family(self.cause) if self.family is not None else None
        return found if found is not None else error_response(self.cause)


class ApiBlueprint(Blueprint):
    """A Chalice blueprint of one route family whose routes' exceptions reach the error middleware."""

    def __init__(self, import_name: str, *, errors: FamilyErrors | None = None) -> None:
        super().__init__(import_name)
        self._family_errors = errors
        self.views: dict[
            tuple[str, str], Callable[..., Response]
        ] = {}  # (METHOD, path) -> the registered view

    def route(self, path: str, **kwargs: Any) -> Callable[[View], View]:
        """`@bp.route(path, methods=[...], doc=RouteDoc(...))`: Chalice's route, documented."""
        doc = kwargs.pop("doc", None)
        if not isinstance(doc, RouteDoc):
            raise TypeError(f"route {path} needs doc=RouteDoc(...) (the OpenAPI document is built from it)")
        methods = [method.upper() for method in kwargs.get("methods", ["GET"])]
        register = super().route(path, **kwargs)
        family = self._family_errors

        def decorator(view: View) -> View:
            summary = (view.__doc__ or "").strip()
            if not summary:
                raise TypeError(f"route {path}: its view's docstring is the route's summary")
            for method in methods:
                ROUTE_DOCS[(method, path)] = replace(doc, summary=summary.rstrip("."))

            @functools.wraps(view)
            def raising_to_middleware(*args: Any, **kw: Any) -> Response:
                try:
                    return view(*args, **kw)
                except Exception as exc:
                    raise RouteFailed(exc, family) from exc

            register(raising_to_middleware)
            for method in methods:
                self.views[(method, path)] = raising_to_middleware
            return view

        return decorator

    # The four methods the API uses, so a route is declared in one line: `@bp.get(path, RouteDoc(...))`.
    # Request bodies are JSON, Chalice's default content type.
    def get(self, path: str, doc: RouteDoc) -> Callable[[View], View]:
        return self.route(path, methods=["GET"], doc=doc)

    def put(self, path: str, doc: RouteDoc) -> Callable[[View], View]:
        return self.route(path, methods=["PUT"], doc=doc)

    def post(self, path: str, doc: RouteDoc) -> Callable[[View], View]:
        return self.route(path, methods=["POST"], doc=doc)

    def delete(self, path: str, doc: RouteDoc) -> Callable[[View], View]:
        return self.route(path, methods=["DELETE"], doc=doc)


def install_error_middleware(app: Chalice) -> None:
    """Every route's exception becomes its HTTP response here, once for the whole app; every response
    leaves with the security headers."""

    @app.middleware("http")
    def map_errors(event: Request, get_response: Callable[[Request], Response]) -> Response:
        try:
            response = get_response(event)
        except RouteFailed as failed:
            response = failed.response()
        except Exception as exc:  # outside any view (Chalice would answer 500 without our headers)
            response = error_response(exc)
        flush_request_metrics()
        return with_security_headers(response)


def current(request: Request | None) -> Request:
    """The request being served (Chalice only lacks one outside a request)."""
    if request is None:
        raise RuntimeError("no request is being served")
    return request
