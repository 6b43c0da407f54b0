"""The seller's data rights over HTTP (owners only; see `sellerflow.privacy.service`).

    POST   /sellers/{sellerId}/exports              start an export            → 202 {export_id, status}
    GET    /sellers/{sellerId}/exports/{exportId}   its status; when ready, a presigned URL (≤ 15 min)
    DELETE /sellers/{sellerId}                      erase the seller           → 202
    POST   /sellers/{sellerId}/disconnect           {"erase_data": bool}       → 202

Every route answers 202 for work it started: the export and erase-seller workflows do the work.
"""

from __future__ import annotations

import uuid

from chalice.app import Blueprint, Response

from sellerflow.api.context import ApiContext, json_response, parse_json_body
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.errors import InvalidInput
from sellerflow.privacy.models import DisconnectIn, ErasureStartedOut, ExportStartedOut, ExportStatusOut

MAX_BODY_BYTES = 4096


def privacy_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    def request_id() -> str:
        context = ctx.request().context or {}
        value = context.get("requestId") if isinstance(context, dict) else None
        return str(value) if value else uuid.uuid4().hex

    @bp.post("/sellers/{sellerId}/exports", RouteDoc(ExportStartedOut, status=202))
    def create_export(sellerId: str) -> Response:
        """Start an export of the seller's data (DATA_EXPORT)."""
        who = ctx.signed_in()
        return json_response(ctx.runtime.rights.request_export(who, sellerId, request_id=request_id()), 202)

    @bp.get("/sellers/{sellerId}/exports/{exportId}", RouteDoc(ExportStatusOut))
    def get_export(sellerId: str, exportId: str) -> Response:
        """An export's status; when ready a short-lived download URL (DATA_EXPORT)."""
        who = ctx.signed_in()
        return json_response(ctx.runtime.rights.export_status(who, sellerId, exportId))

    @bp.delete("/sellers/{sellerId}", RouteDoc(ErasureStartedOut, status=202))
    def erase_seller(sellerId: str) -> Response:
        """Erase the seller and all its data (SELLER_ERASE)."""
        who = ctx.signed_in()
        return json_response(ctx.runtime.rights.request_erasure(who, sellerId, request_id=request_id()), 202)

    @bp.post("/sellers/{sellerId}/disconnect", RouteDoc(ErasureStartedOut, status=202, body=DisconnectIn))
    def disconnect_seller(sellerId: str) -> Response:
        """Disconnect Amazon, optionally erasing the data (CONNECTION_MANAGE)."""
        who = ctx.signed_in()
        raw = ctx.body()
        if len(raw) > MAX_BODY_BYTES:
            raise InvalidInput(f"request body is {len(raw)} bytes; at most {MAX_BODY_BYTES} are accepted")
        body = parse_json_body(raw, DisconnectIn, 'body must be {"erase_data": true|false}')
        return json_response(ctx.runtime.rights.disconnect(who, sellerId, body, request_id=request_id()), 202)

    return bp
