"""The seller's data rights over HTTP (owners only; see `sellerflow.privacy.service`).

    POST   /sellers/{sellerId}/exports              start an export            → 202 {export_id, status}
    GET    /sellers/{sellerId}/exports/{exportId}   its status; when ready, a presigned URL (≤ 15 min)
    DELETE /sellers/{sellerId}                      erase the seller           → 202
    POST   /sellers/{sellerId}/disconnect           {"erase_data": bool}       → 202

Every route answers 202 for work it started: the export and erase-seller workflows do the work.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response
from pydantic import BaseModel, ValidationError

from sellerflow.api.errors import JSON_HEADERS, current, http_errors
from sellerflow.api.models import ErrorOut, single_values
from sellerflow.errors import ExportNotFound, InvalidInput
from sellerflow.principal import Principal
from sellerflow.privacy.models import DisconnectIn
from sellerflow.privacy.service import AuditSink, MembershipCheck, SellerRights
from sellerflow.settings import Settings

MAX_BODY_BYTES = 4096


def _respond(model: BaseModel, status: int = 200) -> Response:
    return Response(body=model.model_dump(mode="json"), status_code=status, headers=dict(JSON_HEADERS))


def _not_found_exports(view: Callable[..., Response]) -> Callable[..., Response]:
    """An unknown export is a 404 like an unknown seller (the shared error map predates exports)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except ExportNotFound as exc:
            body = ErrorOut(error="not_found", message=str(exc))
            return Response(body=body.model_dump(), status_code=404, headers=dict(JSON_HEADERS))

    return wrapped


def build_seller_rights(
    *, members: MembershipCheck, settings: Settings | None, audit: AuditSink | None
) -> SellerRights:
    """The deployment's collaborators (only the data-access layer touches AWS)."""
    from sellerflow.store.audit import AuditLog
    from sellerflow.store.privacy import SellerObjects, Workflows
    from sellerflow.wiring import bound_settings
    from sellerflow.wiring.privacy import privacy_config

    current_settings = bound_settings(settings)
    return SellerRights(
        members=members,
        workflows=Workflows(),
        objects=SellerObjects.from_settings(current_settings),
        audit=audit if audit is not None else AuditLog(),
        config=privacy_config(current_settings),
    )


def register_privacy_routes(
    app: Chalice,
    *,
    caller: Callable[[], Principal],
    members: Callable[[], MembershipCheck],
    settings: Settings | None = None,
    audit: AuditSink | None = None,
    rights: Callable[[], SellerRights] | None = None,
) -> None:
    """Add the privacy routes to the app; collaborators are built on first use (or given, in tests)."""
    lock = threading.Lock()
    built: list[SellerRights] = []

    def service() -> SellerRights:
        if rights is not None:
            return rights()
        with lock:
            if not built:
                built.append(build_seller_rights(members=members(), settings=settings, audit=audit))
            return built[0]

    def request_id() -> str:
        context = current(app.current_request).context or {}
        value = context.get("requestId") if isinstance(context, dict) else None
        return str(value) if value else uuid.uuid4().hex

    def no_query() -> None:
        params = current(app.current_request).query_params
        single_values({} if params is None else {n: params.getlist(n) for n in params}, allowed=())

    @app.route("/sellers/{sellerId}/exports", methods=["POST"])
    @http_errors
    def create_export(sellerId: str) -> Response:
        who = caller()
        no_query()
        return _respond(service().request_export(who, sellerId, request_id=request_id()), 202)

    @app.route("/sellers/{sellerId}/exports/{exportId}", methods=["GET"])
    @http_errors
    @_not_found_exports
    def get_export(sellerId: str, exportId: str) -> Response:
        who = caller()
        no_query()
        return _respond(service().export_status(who, sellerId, exportId))

    @app.route("/sellers/{sellerId}", methods=["DELETE"])
    @http_errors
    def erase_seller(sellerId: str) -> Response:
        who = caller()
        no_query()
        return _respond(service().request_erasure(who, sellerId, request_id=request_id()), 202)

    @app.route("/sellers/{sellerId}/disconnect", methods=["POST"], content_types=["application/json"])
    @http_errors
    def disconnect_seller(sellerId: str) -> Response:
        who = caller()
        no_query()
        raw = current(app.current_request).raw_body or b""
        if len(raw) > MAX_BODY_BYTES:
            raise InvalidInput(f"request body is {len(raw)} bytes; at most {MAX_BODY_BYTES} are accepted")
        try:
            body = DisconnectIn.model_validate_json(raw or b"{}")
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}"
                for e in exc.errors(include_input=False)
            )
            raise InvalidInput(f'body must be {{"erase_data": true|false}}: {problems}') from None
        return _respond(service().disconnect(who, sellerId, body, request_id=request_id()), 202)
