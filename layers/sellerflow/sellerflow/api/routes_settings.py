"""A seller account's settings.

    GET /sellers/{sellerId}/settings/currency    the home currency (SELLER_READ)
    PUT /sellers/{sellerId}/settings/currency    {"home_currency": "EUR" | null} (SETTINGS_MANAGE: owners)

The home currency is the one the dashboard totals every marketplace in (`sellerflow.analytics.fx`),
by default the main (first) marketplace's; null puts the default back.
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from sellerflow.analytics.fx import ECB_CURRENCIES, check_home_currency, default_home_currency
from sellerflow.api import models_analytics as am
from sellerflow.api.context import ApiContext, json_response, parse_json_body
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.api.routes_analytics import home_currency_of, seller_profile
from sellerflow.errors import ConfigurationError
from sellerflow.members.permissions import Permission

CHOICES = sorted(ECB_CURRENCIES)


def _answer(ctx: ApiContext, seller_id: str) -> am.HomeCurrencyOut:
    profile = seller_profile(ctx, seller_id)
    default = default_home_currency(profile.marketplace_ids if profile else ())
    return am.HomeCurrencyOut(
        home_currency=home_currency_of(profile),
        chosen=bool(profile and profile.home_currency),
        default=default,
        choices=CHOICES,
    )


def settings_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    @bp.get("/sellers/{sellerId}/settings/currency", RouteDoc(am.HomeCurrencyOut))
    def get_currency(sellerId: str) -> Response:
        """The home currency of the dashboard's one total (SELLER_READ)."""
        ctx.member(sellerId, Permission.SELLER_READ)
        ctx.query()
        return json_response(_answer(ctx, sellerId))

    @bp.put("/sellers/{sellerId}/settings/currency", RouteDoc(am.HomeCurrencyOut, body=am.HomeCurrencyIn))
    def put_currency(sellerId: str) -> Response:
        """Choose the home currency, or null for the main marketplace's (SETTINGS_MANAGE)."""
        who, _ = ctx.member(sellerId, Permission.SETTINGS_MANAGE)
        ctx.query()
        asked = parse_json_body(ctx.body(), am.HomeCurrencyIn, 'expected {"home_currency": "EUR"} or null')
        currency = None if asked.home_currency is None else check_home_currency(asked.home_currency, CHOICES)
        if ctx.ports.currencies is None:
            raise ConfigurationError("this deployment keeps no home currency")
        ctx.ports.currencies.set_home_currency(sellerId, currency)
        ctx.ports.audit.record(
            sellerId, who.sub, "settings.currency", f"home_currency={currency or 'default'}"
        )
        return json_response(_answer(ctx, sellerId))

    return bp
