"""The analytics routes: KPIs, daily series, SKUs, inventory, settlements, transactions, COGS.

Thin like the rest of the API: authenticate, check the permission (`SellerAccess.require`: a
non-member gets the same 404 as for a missing seller, a role without it 403), parse the query, call one
`AnalyticsService` method, audit the read, shape the response model.

    GET /sellers/{sellerId}/dashboard?range=&from=&to=&marketplace=     KPIs per currency + previous period,
                                                                         and all in the home currency
    GET /sellers/{sellerId}/analytics/daily?from=&to=&marketplace=      the daily series
    GET /sellers/{sellerId}/analytics/skus?from=&to=&marketplace=&sort=&currency=home
                                                                         the per-SKU table (all in the home currency)
    GET /sellers/{sellerId}/inventory?marketplace=                       stock, cover, reorder quantity, order-by date
    GET /sellers/{sellerId}/inventory/settings                           lead times and safety stock (INVENTORY_READ)
    PUT /sellers/{sellerId}/inventory/settings                           set them: default and per SKU (INVENTORY_MANAGE)
    GET /sellers/{sellerId}/settlements                                  settlement summaries
    GET /sellers/{sellerId}/settlements/{settlementId}?limit=&next_token= one settlement with its lines
    GET /sellers/{sellerId}/transactions?from=&to=&type=&marketplace=&limit=&next_token=
    GET /sellers/{sellerId}/cogs                                         unit costs
    PUT /sellers/{sellerId}/cogs/{sku}                                   set a unit cost (COGS_WRITE)
    POST /sellers/{sellerId}/cogs                                        check or store up to 100 costs, all or none
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar
from urllib.parse import unquote

from chalice.app import Blueprint, Response
from pydantic import BaseModel

from sellerflow.analytics.fx import default_home_currency
from sellerflow.analytics.reorder import RestockSettings
from sellerflow.api import models_analytics as am
from sellerflow.api.context import ApiContext, json_response, parse_json_body
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.api.plan_limits import require_history
from sellerflow.calendar import local_today
from sellerflow.domain import SellerProfile
from sellerflow.errors import InvalidInput
from sellerflow.marketplaces import MARKETPLACES
from sellerflow.members.permissions import Permission
from sellerflow.principal import Principal

# Each route's query parameters, named once for its document and its parsing.
DASHBOARD_QUERY = ("range", "from", "to", "marketplace")
DAILY_QUERY = ("from", "to", "marketplace")
SKUS_QUERY = ("from", "to", "marketplace", "sort", "currency")
INVENTORY_QUERY = ("marketplace",)
LINES_QUERY = ("limit", "next_token")
TRANSACTIONS_QUERY = ("from", "to", "type", "marketplace", "limit", "next_token")

Item = TypeVar("Item")


def seller_profile(ctx: ApiContext, seller_id: str) -> SellerProfile | None:
    profiles = ctx.ports.sellers.profiles([seller_id])
    return profiles[0] if profiles else None


def seller_marketplaces(ctx: ApiContext, seller_id: str) -> tuple[str, ...]:
    profile = seller_profile(ctx, seller_id)
    return profile.marketplace_ids if profile else ()


def home_currency_of(profile: SellerProfile | None) -> str:
    """The owner's choice, or the main (first) marketplace's currency."""
    if profile is None:
        return default_home_currency(())
    return profile.home_currency or default_home_currency(profile.marketplace_ids)


def cogs_scope(ctx: ApiContext, seller_id: str) -> tuple[tuple[str, ...], list[str], date]:
    """The seller's marketplaces, their currencies (a unit cost is in one of them) and the latest
    of their local days (the reference of an effective date's bounds)."""
    now = ctx.now()
    mkts = seller_marketplaces(ctx, seller_id)
    currencies = sorted({MARKETPLACES[x].currency for x in mkts if x in MARKETPLACES})
    today = max((local_today(x, now) for x in mkts), default=now.date())
    return mkts, currencies, today


@dataclass(frozen=True)
class SellerCall:
    """One call of an analytics route: the caller, whose role allows the route's permission, and the
    query it gave. `audit` writes the call's entry, once the answer is ready."""

    ctx: ApiContext
    seller_id: str
    who: Principal
    values: dict[str, str]

    def scope(self) -> tuple[tuple[str, ...], str | None]:
        """The seller's marketplaces and the one asked for (None: all of them)."""
        return seller_marketplaces(self.ctx, self.seller_id), am.parse_marketplace(self.values)

    def audit(self, action: str, resource: str) -> None:
        self.ctx.ports.audit.record(self.seller_id, self.who.sub, action, resource)

    def listed(
        self, kind: str, found: Sequence[Item], body: Callable[[Sequence[Item]], BaseModel]
    ) -> Response:
        """Everything of one kind, audited as `<kind>.list` with how many were returned."""
        self.audit(f"{kind}.list", f"{kind} returned={len(found)}")
        return json_response(body(found))


def asked(ctx: ApiContext, seller_id: str, permission: Permission, query: tuple[str, ...] = ()) -> SellerCall:
    """The call, if the caller's role allows `permission` (404/403 otherwise) and the query has only
    `query`'s names (400 otherwise)."""
    who, _ = ctx.member(seller_id, permission)
    return SellerCall(ctx, seller_id, who, ctx.query(*query))


def analytics_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    @bp.get("/sellers/{sellerId}/dashboard", RouteDoc(am.DashboardOut, query=DASHBOARD_QUERY, errors=(402,)))
    def dashboard(sellerId: str) -> Response:
        """KPIs per currency with the previous period (ANALYTICS_READ)."""
        call = asked(ctx, sellerId, Permission.ANALYTICS_READ, DASHBOARD_QUERY)
        name = am.parse_range_name(call.values)
        first, last = am.parse_days(call.values)
        require_history(ctx.ports, sellerId, first, ctx.now().date())
        profile = seller_profile(ctx, sellerId)
        mkts, only = (profile.marketplace_ids if profile else ()), am.parse_marketplace(call.values)
        result = ctx.ports.analytics.dashboard(
            sellerId, mkts, name, ctx.now(), first=first, last=last, only=only, home=home_currency_of(profile)
        )
        shown = call.values.get("marketplace", "all")
        call.audit("dashboard.read", f"dashboard range={name.value} marketplace={shown}")
        return json_response(am.DashboardOut.of(result))

    @bp.get("/sellers/{sellerId}/analytics/daily", RouteDoc(am.DailyOut, query=DAILY_QUERY, errors=(402,)))
    def daily(sellerId: str) -> Response:
        """The daily series (ANALYTICS_READ)."""
        call = asked(ctx, sellerId, Permission.ANALYTICS_READ, DAILY_QUERY)
        first, last = am.parse_days(call.values)
        require_history(ctx.ports, sellerId, first, ctx.now().date())
        mkts, only = call.scope()
        series = ctx.ports.analytics.daily(sellerId, mkts, ctx.now(), first=first, last=last, only=only)
        call.audit("analytics.daily.read", f"daily {first}..{last} returned={len(series.days)}")
        return json_response(am.DailyOut.of(series))

    @bp.get("/sellers/{sellerId}/analytics/skus", RouteDoc(am.SkusOut, query=SKUS_QUERY))
    def skus(sellerId: str) -> Response:
        """The per-SKU table, per currency or (currency=home) all in the home currency (ANALYTICS_READ)."""
        call = asked(ctx, sellerId, Permission.ANALYTICS_READ, SKUS_QUERY)
        first, last = am.parse_days(call.values)
        sort = am.parse_sort(call.values)
        profile = seller_profile(ctx, sellerId)
        mkts, only = (profile.marketplace_ids if profile else ()), am.parse_marketplace(call.values)
        home = home_currency_of(profile) if am.parse_in_home(call.values) else None
        table = ctx.ports.analytics.sku_table(
            sellerId, mkts, ctx.now(), first=first, last=last, only=only, sort=sort, home=home
        )
        shown = f" in={home}" if home else ""
        call.audit("analytics.skus.read", f"skus {first}..{last}{shown} returned={len(table.rows)}")
        return json_response(am.SkusOut.of(table, sort))

    @bp.get("/sellers/{sellerId}/inventory", RouteDoc(am.InventoryOut, query=INVENTORY_QUERY))
    def inventory(sellerId: str) -> Response:
        """Stock, velocity, cover and restock status (INVENTORY_READ)."""
        call = asked(ctx, sellerId, Permission.INVENTORY_READ, INVENTORY_QUERY)
        mkts, only = call.scope()
        view = ctx.ports.analytics.inventory(sellerId, mkts, ctx.now(), only=only)
        call.audit("inventory.read", f"inventory returned={len(view.rows)}")
        return json_response(am.InventoryOut.of(view))

    @bp.get("/sellers/{sellerId}/inventory/settings", RouteDoc(RestockSettings))
    def restock_settings(sellerId: str) -> Response:
        """Lead times and safety stock: the seller's default and the SKUs' own (INVENTORY_READ)."""
        asked(ctx, sellerId, Permission.INVENTORY_READ)
        return json_response(ctx.ports.analytics.restock_settings(sellerId))

    @bp.put("/sellers/{sellerId}/inventory/settings", RouteDoc(RestockSettings, body=RestockSettings))
    def put_restock_settings(sellerId: str) -> Response:
        """Set the lead times and safety stock, default and per SKU, as a whole (INVENTORY_MANAGE)."""
        call = asked(ctx, sellerId, Permission.INVENTORY_MANAGE)
        body = parse_json_body(ctx.body(), RestockSettings, "a body {default, cycle_days, skus}")
        saved = ctx.ports.analytics.put_restock_settings(sellerId, body, now=ctx.now())
        call.audit("inventory.settings.write", f"restock settings skus={len(saved.skus)}")
        return json_response(saved)

    @bp.get("/sellers/{sellerId}/settlements", RouteDoc(am.SettlementsOut))
    def settlements(sellerId: str) -> Response:
        """Settlement summaries (FINANCES_READ)."""
        call = asked(ctx, sellerId, Permission.FINANCES_READ)
        return call.listed("settlements", ctx.ports.analytics.settlements(sellerId), am.SettlementsOut.of)

    @bp.get(
        "/sellers/{sellerId}/settlements/{settlementId}", RouteDoc(am.SettlementDetailOut, query=LINES_QUERY)
    )
    def settlement(sellerId: str, settlementId: str) -> Response:
        """One settlement with a page of its lines (FINANCES_READ)."""
        call = asked(ctx, sellerId, Permission.FINANCES_READ, LINES_QUERY)
        settlement_id = am.validate_settlement_id(settlementId)
        limit = am.parse_limit(call.values)
        token = call.values.get("next_token")
        after = int(am.decode_cursor(sellerId, token, am.LINE_CURSOR)) if token else 0
        detail = ctx.ports.analytics.settlement(sellerId, settlement_id, after_line=after, limit=limit)
        call.audit("settlement.read", f"settlement/{settlement_id} lines={len(detail.lines)}")
        return json_response(am.SettlementDetailOut.of(detail, sellerId))

    @bp.get("/sellers/{sellerId}/transactions", RouteDoc(am.TransactionsOut, query=TRANSACTIONS_QUERY))
    def transactions(sellerId: str) -> Response:
        """A page of financial transactions (FINANCES_READ)."""
        call = asked(ctx, sellerId, Permission.FINANCES_READ, TRANSACTIONS_QUERY)
        posted_from, posted_to = am.parse_tx_window(call.values, ctx.now())
        kind = am.parse_transaction_type(call.values)
        marketplace = am.parse_marketplace(call.values)
        limit = am.parse_limit(call.values)
        token = call.values.get("next_token")
        after = am.decode_cursor(sellerId, token, am.FIN_CURSOR) if token else None
        page = ctx.ports.analytics.transactions(
            sellerId, posted_from, posted_to, transaction_type=kind, marketplace_id=marketplace,
            limit=limit, after_key=after,
        )  # fmt: skip
        window = f"{posted_from.isoformat()}..{posted_to.isoformat()}"
        call.audit(
            "transactions.list",
            f"transactions posted {window} type={kind or 'any'} returned={len(page.transactions)}",
        )
        next_token = am.encode_cursor(sellerId, page.last_key) if page.last_key else None
        rows = [am.TransactionOut.of(t) for t in page.transactions]
        return json_response(am.TransactionsOut(transactions=rows, next_token=next_token))

    _cogs_routes(ctx, bp)
    return bp


def _cogs_routes(ctx: ApiContext, bp: ApiBlueprint) -> None:
    """Unit costs: the list, one SKU's cost, an import of many."""

    @bp.get("/sellers/{sellerId}/cogs", RouteDoc(am.CogsListOut))
    def list_cogs(sellerId: str) -> Response:
        """Unit costs (ANALYTICS_READ)."""
        call = asked(ctx, sellerId, Permission.ANALYTICS_READ)
        return call.listed("cogs", ctx.ports.analytics.cogs_entries(sellerId), am.CogsListOut.of)

    @bp.put("/sellers/{sellerId}/cogs/{sku}", RouteDoc(am.CogsPutOut, body=am.CogsIn))
    def put_cogs(sellerId: str, sku: str) -> Response:
        """Set a unit cost from a day on (COGS_WRITE)."""
        call = asked(ctx, sellerId, Permission.COGS_WRITE)
        the_sku = am.validate_sku(unquote(sku))
        now = ctx.now()
        mkts, currencies, today = cogs_scope(ctx, sellerId)
        entry = am.parse_cogs_body(sellerId, the_sku, ctx.body(), currencies=currencies, today=today)
        change = ctx.ports.analytics.put_cogs(entry, mkts, now)
        call.audit(
            "cogs.write",
            f"cogs/{the_sku} from {entry.effective_from} {entry.currency} days_marked={change.dirty_days}",
        )
        return json_response(am.CogsPutOut.of(change))

    @bp.post("/sellers/{sellerId}/cogs", RouteDoc(am.CogsImportOut, body=am.CogsImportIn))
    def import_cogs(sellerId: str) -> Response:
        """Check (dry_run) or store up to 100 unit costs at once, all or none (COGS_WRITE)."""
        call = asked(ctx, sellerId, Permission.COGS_WRITE)
        now = ctx.now()
        mkts, currencies, today = cogs_scope(ctx, sellerId)
        parsed = am.parse_cogs_import(sellerId, ctx.body(), currencies=currencies, today=today)
        parsed = am.against_stored(parsed, ctx.ports.analytics.cogs_entries(sellerId))
        if parsed.dry_run:
            return json_response(am.CogsImportOut.of(parsed))
        if parsed.problems:
            first = parsed.problems[0]
            raise InvalidInput(
                f"{len(parsed.problems)} of {len(parsed.problems) + len(parsed.entries)} rows have errors "
                f"(row {first.row}: {first.message}); nothing was stored"
            )
        change = ctx.ports.analytics.put_cogs_batch(sellerId, parsed.entries, mkts, now)
        call.audit("cogs.import", f"cogs import rows={len(change.entries)} days_marked={change.dirty_days}")
        return json_response(
            am.CogsImportOut.of(parsed, stored=len(change.entries), dirty_days=change.dirty_days)
        )
