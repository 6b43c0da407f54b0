"""The analytics routes: KPIs, daily series, SKUs, inventory, settlements, transactions, COGS.

Thin like the rest of the API: authenticate, check the permission (`SellerAccess.require`: a
non-member gets the same 404 as for a missing seller, a role without it 403), parse the query, call one
`AnalyticsService` method, audit the read, shape the response model.

    GET /sellers/{sellerId}/dashboard?range=&from=&to=&marketplace=     KPIs per currency + previous period
    GET /sellers/{sellerId}/analytics/daily?from=&to=&marketplace=      the daily series
    GET /sellers/{sellerId}/analytics/skus?from=&to=&marketplace=&sort=  the per-SKU table
    GET /sellers/{sellerId}/inventory?marketplace=                       stock, velocity, cover, restock status
    GET /sellers/{sellerId}/settlements                                  settlement summaries
    GET /sellers/{sellerId}/settlements/{settlementId}?limit=&next_token= one settlement with its lines
    GET /sellers/{sellerId}/transactions?from=&to=&type=&marketplace=&limit=&next_token=
    GET /sellers/{sellerId}/cogs                                         unit costs
    PUT /sellers/{sellerId}/cogs/{sku}                                   set a unit cost (COGS_WRITE)
"""

from __future__ import annotations

from urllib.parse import unquote

from chalice.app import Blueprint, Response

from sellerflow.api import models_analytics as am
from sellerflow.api.context import ApiContext, json_response
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.calendar import local_today
from sellerflow.marketplaces import MARKETPLACES
from sellerflow.members.permissions import Permission
from sellerflow.principal import Principal


def seller_marketplaces(ctx: ApiContext, seller_id: str) -> tuple[str, ...]:
    profiles = ctx.ports.sellers.profiles([seller_id])
    return profiles[0].marketplace_ids if profiles else ()


def asked(
    ctx: ApiContext, seller_id: str, permission: Permission, *params: str
) -> tuple[Principal, dict[str, str]]:
    """The caller, if its role allows `permission`, and the query (only `params`)."""
    who, _ = ctx.member(seller_id, permission)
    return who, ctx.query(*params)


def scope(ctx: ApiContext, seller_id: str, values: dict[str, str]) -> tuple[tuple[str, ...], str | None]:
    """The seller's marketplaces and the one asked for (None: all of them)."""
    return seller_marketplaces(ctx, seller_id), am.parse_marketplace(values)


def analytics_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    @bp.route(
        "/sellers/{sellerId}/dashboard",
        methods=["GET"],
        doc=RouteDoc(am.DashboardOut, query=("range", "from", "to", "marketplace")),
    )
    def dashboard(sellerId: str) -> Response:
        """KPIs per currency with the previous period (ANALYTICS_READ)."""
        who, values = asked(ctx, sellerId, Permission.ANALYTICS_READ, "range", "from", "to", "marketplace")
        name = am.parse_range_name(values)
        first, last = am.parse_days(values)
        mkts, only = scope(ctx, sellerId, values)
        result = ctx.ports.analytics.dashboard(
            sellerId, mkts, name, ctx.now(), first=first, last=last, only=only
        )
        shown = values.get("marketplace", "all")
        ctx.ports.audit.record(
            sellerId, who.sub, "dashboard.read", f"dashboard range={name.value} marketplace={shown}"
        )
        return json_response(am.DashboardOut.of(result))

    @bp.route(
        "/sellers/{sellerId}/analytics/daily",
        methods=["GET"],
        doc=RouteDoc(am.DailyOut, query=("from", "to", "marketplace")),
    )
    def daily(sellerId: str) -> Response:
        """The daily series (ANALYTICS_READ)."""
        who, values = asked(ctx, sellerId, Permission.ANALYTICS_READ, "from", "to", "marketplace")
        first, last = am.parse_days(values)
        mkts, only = scope(ctx, sellerId, values)
        series = ctx.ports.analytics.daily(sellerId, mkts, ctx.now(), first=first, last=last, only=only)
        ctx.ports.audit.record(
            sellerId, who.sub, "analytics.daily.read", f"daily {first}..{last} returned={len(series.days)}"
        )
        return json_response(am.DailyOut.of(series))

    @bp.route(
        "/sellers/{sellerId}/analytics/skus",
        methods=["GET"],
        doc=RouteDoc(am.SkusOut, query=("from", "to", "marketplace", "sort")),
    )
    def skus(sellerId: str) -> Response:
        """The per-SKU table (ANALYTICS_READ)."""
        who, values = asked(ctx, sellerId, Permission.ANALYTICS_READ, "from", "to", "marketplace", "sort")
        first, last = am.parse_days(values)
        sort = am.parse_sort(values)
        mkts, only = scope(ctx, sellerId, values)
        table = ctx.ports.analytics.sku_table(
            sellerId, mkts, ctx.now(), first=first, last=last, only=only, sort=sort
        )
        ctx.ports.audit.record(
            sellerId, who.sub, "analytics.skus.read", f"skus {first}..{last} returned={len(table.rows)}"
        )
        return json_response(am.SkusOut.of(table, sort))

    @bp.route(
        "/sellers/{sellerId}/inventory",
        methods=["GET"],
        doc=RouteDoc(am.InventoryOut, query=("marketplace",)),
    )
    def inventory(sellerId: str) -> Response:
        """Stock, velocity, cover and restock status (INVENTORY_READ)."""
        who, values = asked(ctx, sellerId, Permission.INVENTORY_READ, "marketplace")
        mkts, only = scope(ctx, sellerId, values)
        view = ctx.ports.analytics.inventory(sellerId, mkts, ctx.now(), only=only)
        ctx.ports.audit.record(sellerId, who.sub, "inventory.read", f"inventory returned={len(view.rows)}")
        return json_response(am.InventoryOut.of(view))

    @bp.route("/sellers/{sellerId}/settlements", methods=["GET"], doc=RouteDoc(am.SettlementsOut))
    def settlements(sellerId: str) -> Response:
        """Settlement summaries (FINANCES_READ)."""
        who = ctx.member_without_query(sellerId, Permission.FINANCES_READ)
        found = ctx.ports.analytics.settlements(sellerId)
        ctx.ports.audit.record(sellerId, who.sub, "settlements.list", f"settlements returned={len(found)}")
        return json_response(am.SettlementsOut(settlements=[am.SettlementOut.of(s) for s in found]))

    @bp.route(
        "/sellers/{sellerId}/settlements/{settlementId}",
        methods=["GET"],
        doc=RouteDoc(am.SettlementDetailOut, query=("limit", "next_token")),
    )
    def settlement(sellerId: str, settlementId: str) -> Response:
        """One settlement with a page of its lines (FINANCES_READ)."""
        who, values = asked(ctx, sellerId, Permission.FINANCES_READ, "limit", "next_token")
        settlement_id = am.validate_settlement_id(settlementId)
        limit = am.parse_limit(values)
        token = values.get("next_token")
        after = int(am.decode_cursor(sellerId, token, am.LINE_CURSOR)) if token else 0
        detail = ctx.ports.analytics.settlement(sellerId, settlement_id, after_line=after, limit=limit)
        ctx.ports.audit.record(
            sellerId, who.sub, "settlement.read", f"settlement/{settlement_id} lines={len(detail.lines)}"
        )
        return json_response(am.SettlementDetailOut.of(detail, sellerId))

    @bp.route(
        "/sellers/{sellerId}/transactions",
        methods=["GET"],
        doc=RouteDoc(am.TransactionsOut, query=("from", "to", "type", "marketplace", "limit", "next_token")),
    )
    def transactions(sellerId: str) -> Response:
        """A page of financial transactions (FINANCES_READ)."""
        who, values = asked(
            ctx,
            sellerId,
            Permission.FINANCES_READ,
            "from",
            "to",
            "type",
            "marketplace",
            "limit",
            "next_token",
        )
        posted_from, posted_to = am.parse_tx_window(values, ctx.now())
        kind = am.parse_transaction_type(values)
        marketplace = am.parse_marketplace(values)
        limit = am.parse_limit(values)
        token = values.get("next_token")
        after = am.decode_cursor(sellerId, token, am.FIN_CURSOR) if token else None
        page = ctx.ports.analytics.transactions(
            sellerId, posted_from, posted_to, transaction_type=kind, marketplace_id=marketplace,
            limit=limit, after_key=after,
        )  # fmt: skip
        window = f"{posted_from.isoformat()}..{posted_to.isoformat()}"
        ctx.ports.audit.record(
            sellerId, who.sub, "transactions.list",
            f"transactions posted {window} type={kind or 'any'} returned={len(page.transactions)}",
        )  # fmt: skip
        next_token = am.encode_cursor(sellerId, page.last_key) if page.last_key else None
        rows = [am.TransactionOut.of(t) for t in page.transactions]
        return json_response(am.TransactionsOut(transactions=rows, next_token=next_token))

    @bp.route("/sellers/{sellerId}/cogs", methods=["GET"], doc=RouteDoc(am.CogsListOut))
    def list_cogs(sellerId: str) -> Response:
        """Unit costs (ANALYTICS_READ)."""
        who = ctx.member_without_query(sellerId, Permission.ANALYTICS_READ)
        entries = ctx.ports.analytics.cogs_entries(sellerId)
        ctx.ports.audit.record(sellerId, who.sub, "cogs.list", f"cogs returned={len(entries)}")
        return json_response(am.CogsListOut(cogs=[am.CogsOut.of(e) for e in entries]))

    @bp.route("/sellers/{sellerId}/cogs/{sku}", methods=["PUT"], doc=RouteDoc(am.CogsPutOut, body=am.CogsIn))
    def put_cogs(sellerId: str, sku: str) -> Response:
        """Set a unit cost from a day on (COGS_WRITE)."""
        who = ctx.member_without_query(sellerId, Permission.COGS_WRITE)
        the_sku = am.validate_sku(unquote(sku))
        now = ctx.now()
        mkts = seller_marketplaces(ctx, sellerId)
        currencies = sorted({MARKETPLACES[x].currency for x in mkts if x in MARKETPLACES})
        today = max((local_today(x, now) for x in mkts), default=now.date())
        entry = am.parse_cogs_body(sellerId, the_sku, ctx.body(), currencies=currencies, today=today)
        change = ctx.ports.analytics.put_cogs(entry, mkts, now)
        ctx.ports.audit.record(
            sellerId, who.sub, "cogs.write",
            f"cogs/{the_sku} from {entry.effective_from} {entry.currency} days_marked={change.dirty_days}",
        )  # fmt: skip
        return json_response(am.CogsPutOut.of(change))

    return bp
