"""Connecting an Amazon account (SP-API) and granting Amazon Ads (see `sellerflow.connect`).

    GET  /connect/amazon                    302 to Seller Central's consent page (JSON body too);
                                            with `Accept: application/json` 200 {authorize_url, expires_at}
    POST /connect/amazon/callback           {state, selling_partner_id, spapi_oauth_code} -> 201;
                                            409 already_connected (a known seller, caller not its
                                            owner) or seller_identity_mismatch (the consent's account
                                            is not that seller): an edited id claims nothing
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
from typing import Any, TypeVar

from chalice.app import Blueprint, Response
from pydantic import BaseModel, ValidationError

from sellerflow.api.context import ApiContext, json_response
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.api.plan_limits import owned_sellers
from sellerflow.connect.models import (
    SELLING_PARTNER_ID,
    AdsCallbackIn,
    AdsConnectOut,
    ConnectCallbackIn,
    ConnectCallbackOut,
    ConnectionOut,
    ConnectStartOut,
)
from sellerflow.connect.service import ConnectUser
from sellerflow.errors import Forbidden, InvalidInput
from sellerflow.members.permissions import Permission
from sellerflow.principal import Principal

MAX_BODY_BYTES = 4096
_HINT = re.compile(SELLING_PARTNER_ID)
Callback = TypeVar("Callback", bound=BaseModel)


def _user(who: Principal) -> ConnectUser:
    """The connecting user. Connecting makes its user an owner, and admins are members of no seller."""
    if who.is_admin:
        raise Forbidden(
            "admins cannot connect a seller (it would make them its owner); use an ordinary account"
        )
    return ConnectUser(sub=who.sub, email=who.email)


def _body(raw: bytes, fields: str) -> dict[str, Any]:
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


def _callback(raw: bytes, model: type[Callback], fields: str) -> Callback:
    try:
        return model.model_validate(_body(raw, fields))
    except ValidationError as error:
        names = ", ".join(".".join(str(p) for p in e["loc"]) or "body" for e in error.errors())
        raise InvalidInput(f"invalid callback fields: {names}") from None


def _redirect_or_json(ctx: ApiContext, started: BaseModel, authorize_url: str) -> Response:
    """A browser is sent on to Amazon (302); a script asking for JSON gets 200."""
    if "application/json" in (ctx.request().headers.get("accept") or "").lower():
        return json_response(started, 200)
    return json_response(started, 302, {"Location": authorize_url})


def connect_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    @bp.get("/connect/amazon", RouteDoc(ConnectStartOut, query=("seller_hint",), also=(302,)))
    def start_connect() -> Response:
        """Start connecting an Amazon account: 302 to Seller Central (200 with Accept: application/json)."""
        user = _user(ctx.caller())
        hint = ctx.query("seller_hint").get("seller_hint")
        if hint is not None and not _HINT.fullmatch(hint):
            raise InvalidInput("seller_hint must be a selling partner id (8-20 capital letters and digits)")
        started = ctx.ports.connect().start(user, seller_hint=hint)
        return _redirect_or_json(ctx, started, started.authorize_url)

    @bp.post(
        "/connect/amazon/callback",
        RouteDoc(ConnectCallbackOut, status=201, body=ConnectCallbackIn, errors=(402, 409)),
    )
    def complete_connect() -> Response:
        """Complete the connection with Amazon's callback parameters."""
        user = _user(ctx.signed_in())
        callback = _callback(ctx.body(), ConnectCallbackIn, "state, selling_partner_id, spapi_oauth_code")
        ctx.ports.plans.require_account_room(  # a new Amazon account for this user: 402 when the plan is full
            callback.selling_partner_id, lambda: owned_sellers(ctx.ports, user.sub)
        )
        return json_response(ctx.ports.connect().complete(user, callback), 201)

    @bp.get("/sellers/{sellerId}/connection", RouteDoc(ConnectionOut))
    def get_connection(sellerId: str) -> Response:
        """The Amazon connection's status (SELLER_READ)."""
        who = ctx.signed_in()
        ctx.access.require(who, sellerId, Permission.SELLER_READ)
        return json_response(ctx.ports.connect().connection(sellerId))

    @bp.get(
        "/sellers/{sellerId}/connect/amazon-ads", RouteDoc(ConnectStartOut, query=("region",), also=(302,))
    )
    def start_connect_ads(sellerId: str) -> Response:
        """Start granting Amazon Ads in one region (NA, EU or FE; default the seller's first
        marketplace's): 302 to that region's Login with Amazon page (CONNECTION_MANAGE)."""
        who = ctx.caller()
        region = ctx.query("region").get("region")
        ctx.access.require(who, sellerId, Permission.CONNECTION_MANAGE)
        started = ctx.ports.ads_connect().start(_user(who), sellerId, region)
        return _redirect_or_json(ctx, started, started.authorize_url)

    @bp.post(
        "/sellers/{sellerId}/connect/amazon-ads/callback",
        RouteDoc(AdsConnectOut, status=201, body=AdsCallbackIn, errors=(409,)),
    )
    def complete_connect_ads(sellerId: str) -> Response:
        """Complete the Amazon Ads grant (CONNECTION_MANAGE)."""
        who = ctx.signed_in()
        ctx.access.require(who, sellerId, Permission.CONNECTION_MANAGE)
        callback = _callback(ctx.body(), AdsCallbackIn, "state, code")
        return json_response(ctx.ports.ads_connect().complete(_user(who), sellerId, callback), 201)

    return bp
