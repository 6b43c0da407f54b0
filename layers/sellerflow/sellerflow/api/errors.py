"""The one place where Sellerflow errors become HTTP responses.

Body: `{"error": "<code>", "message": "<what was wrong>"}`. Messages of deliberate errors name the
thing that was wrong (never a token or buyer data). Anything unexpected is a 500 with a generic
message; the exception is logged by type and traceback, without the request (headers hold tokens).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from chalice import Response
from chalice.app import Request

from sellerflow.api.models import ErrorOut
from sellerflow.errors import (
    AdsAccountMismatch,
    AlreadyMember,
    AuthorizationCodeRejected,
    ConnectStateRejected,
    Forbidden,
    InvalidInput,
    InvitationGone,
    LastOwner,
    MemberNotFound,
    OrderNotFound,
    SellerAlreadyConnected,
    SellerflowError,
    SellerNotFound,
    Unauthenticated,
)
from sellerflow.observability import logger

JSON_HEADERS: dict[str, str | list[str]] = {"Content-Type": "application/json", "Cache-Control": "no-store"}

# Most specific first: the first matching class wins.
_STATUS: tuple[tuple[type[SellerflowError], int, str], ...] = (
    (Unauthenticated, 401, "unauthenticated"),
    (Forbidden, 403, "forbidden"),
    (SellerNotFound, 404, "not_found"),
    (OrderNotFound, 404, "not_found"),
    (InvalidInput, 400, "bad_request"),
    (MemberNotFound, 404, "not_found"),
    (LastOwner, 409, "conflict"),
    (AlreadyMember, 409, "conflict"),
    (InvitationGone, 410, "gone"),
    (ConnectStateRejected, 403, "invalid_state"),
    (AuthorizationCodeRejected, 400, "invalid_grant"),
    (SellerAlreadyConnected, 409, "already_connected"),
    (AdsAccountMismatch, 409, "ads_account_mismatch"),
)
INTERNAL_MESSAGE = "An internal error occurred."


def error_response(exc: Exception) -> Response:
    """The HTTP response for an exception raised while serving a request."""
    for error_type, status, code in _STATUS:
        if isinstance(exc, error_type):
            headers = dict(JSON_HEADERS)
            if status == 401:
                headers["WWW-Authenticate"] = 'Bearer realm="sellerflow"'
            body = ErrorOut(error=code, message=str(exc) or code)
            return Response(body=body.model_dump(), status_code=status, headers=headers)
    logger.exception("unhandled error serving an API request", extra={"error_type": type(exc).__name__})
    body = ErrorOut(error="internal_error", message=INTERNAL_MESSAGE)
    return Response(body=body.model_dump(), status_code=500, headers=dict(JSON_HEADERS))


def current(request: Request | None) -> Request:
    """The request being served (Chalice only lacks one outside a request)."""
    if request is None:
        raise RuntimeError("no request is being served")
    return request


def http_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    """Wrap a route's view so that any exception it raises becomes `error_response(exc)`."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except Exception as exc:
            return error_response(exc)

    return wrapped
