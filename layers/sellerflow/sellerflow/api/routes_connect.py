"""Connecting an Amazon account over HTTP (see `sellerflow.connect.service`).

    GET  /connect/amazon                    302 to Seller Central's consent page (JSON body too);
                                            with `Accept: application/json` 200 {authorize_url, expires_at}
    POST /connect/amazon/callback           {state, selling_partner_id, spapi_oauth_code} -> 201
    GET  /sellers/{sellerId}/connection     SELLER_READ: status, dates, days left, last sync, ads grant
    GET  /sellers/{sellerId}/connect/amazon-ads            CONNECTION_MANAGE: 302 to LWA's authorize
                                            page (JSON body too; `Accept: application/json` -> 200)
    POST /sellers/{sellerId}/connect/amazon-ads/callback   CONNECTION_MANAGE: {state, code} -> 201
                                            {seller_id, profiles} (see `sellerflow.connect.ads`)

The web app's `connect-callback.html` (the LWA redirect_uri) posts the callback with the user's token;
`connect-ads-callback.html` does the same for the Amazon Ads grant.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any, Protocol

from chalice import Chalice, Response
from pydantic import BaseModel, ValidationError

from sellerflow.api.errors import JSON_HEADERS, current, http_errors
from sellerflow.api.models import single_values
from sellerflow.connect.ads import AdsConnectService
from sellerflow.connect.models import SELLING_PARTNER_ID, AdsCallbackIn, ConnectCallbackIn
from sellerflow.connect.service import ConnectService, ConnectUser
from sellerflow.domain import Membership
from sellerflow.errors import InvalidInput
from sellerflow.members.permissions import Permission
from sellerflow.principal import Principal

MAX_BODY_BYTES = 4096
ConnectServiceFactory = Callable[[], ConnectService]
AdsConnectServiceFactory = Callable[[], AdsConnectService]
_HINT = re.compile(SELLING_PARTNER_ID)


class _Access(Protocol):
    def require(self, caller: Principal, seller_id: str, permission: Permission) -> Membership: ...


class _Runtime(Protocol):
    @property
    def access(self) -> _Access: ...


def _json(model: BaseModel, status: int, extra: dict[str, str] | None = None) -> Response:
    headers: dict[str, str | list[str]] = {**JSON_HEADERS, **(extra or {})}
    return Response(body=model.model_dump(mode="json"), status_code=status, headers=headers)


def _user(who: Principal) -> ConnectUser:
    return ConnectUser(sub=who.sub, email=who.email)


def _body(
    raw: str | bytes | None, fields: str = "state, selling_partner_id, spapi_oauth_code"
) -> dict[str, Any]:
    if not raw:
        raise InvalidInput(f"the request needs a JSON body {{{fields}}}")
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidInput(f"the request body is larger than {MAX_BODY_BYTES} bytes")
    try:
        value = json.loads(raw)
    except ValueError:
        raise InvalidInput("the request body is not JSON") from None
    if not isinstance(value, dict):
        raise InvalidInput("the request body must be a JSON object")
    return value


def register_connect_routes(
    app: Chalice,
    *,
    runtime: Callable[[], _Runtime],
    caller: Callable[[], Principal],
    query_params: Callable[[], dict[str, list[str]]],
    service: ConnectServiceFactory | None = None,
    ads_service: AdsConnectServiceFactory | None = None,
) -> None:
    lock = threading.Lock()

    def connect() -> ConnectService:
        with lock:
            if service is not None:
                return service()
            from sellerflow.wiring.connect import connect_service

            return connect_service()

    def connect_ads() -> AdsConnectService:
        with lock:
            if ads_service is not None:
                return ads_service()
            from sellerflow.wiring.connect import ads_connect_service

            return ads_connect_service()

    @app.route("/connect/amazon", methods=["GET"])
    @http_errors
    def start_connect() -> Response:
        who = caller()
        hint = single_values(query_params(), allowed=("seller_hint",)).get("seller_hint")
        if hint is not None and not _HINT.fullmatch(hint):
            raise InvalidInput("seller_hint must be a selling partner id (8-20 capital letters and digits)")
        started = connect().start(_user(who), seller_hint=hint)
        accept = (current(app.current_request).headers.get("accept") or "").lower()
        if "application/json" in accept:
            return _json(started, 200)
        return _json(started, 302, {"Location": started.authorize_url})

    @app.route("/connect/amazon/callback", methods=["POST"])
    @http_errors
    def complete_connect() -> Response:
        who = caller()
        single_values(query_params(), allowed=())
        try:
            callback = ConnectCallbackIn.model_validate(_body(current(app.current_request).raw_body))
        except ValidationError as error:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) or "body" for e in error.errors())
            raise InvalidInput(f"invalid callback fields: {fields}") from None
        return _json(connect().complete(_user(who), callback), 201)

    @app.route("/sellers/{sellerId}/connection", methods=["GET"])
    @http_errors
    def get_connection(sellerId: str) -> Response:
        who = caller()
        single_values(query_params(), allowed=())
        runtime().access.require(who, sellerId, Permission.SELLER_READ)
        return _json(connect().connection(sellerId), 200)

    @app.route("/sellers/{sellerId}/connect/amazon-ads", methods=["GET"])
    @http_errors
    def start_connect_ads(sellerId: str) -> Response:
        who = caller()
        single_values(query_params(), allowed=())
        runtime().access.require(who, sellerId, Permission.CONNECTION_MANAGE)
        started = connect_ads().start(_user(who), sellerId)
        accept = (current(app.current_request).headers.get("accept") or "").lower()
        if "application/json" in accept:
            return _json(started, 200)
        return _json(started, 302, {"Location": started.authorize_url})

    @app.route("/sellers/{sellerId}/connect/amazon-ads/callback", methods=["POST"])
    @http_errors
    def complete_connect_ads(sellerId: str) -> Response:
        who = caller()
        single_values(query_params(), allowed=())
        runtime().access.require(who, sellerId, Permission.CONNECTION_MANAGE)
        try:
            callback = AdsCallbackIn.model_validate(
                _body(current(app.current_request).raw_body, "state, code")
            )
        except ValidationError as error:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) or "body" for e in error.errors())
            raise InvalidInput(f"invalid callback fields: {fields}") from None
        return _json(connect_ads().complete(_user(who), sellerId, callback), 201)
