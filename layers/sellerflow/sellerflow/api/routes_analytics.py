"""The analytics routes of the Sellerflow API (registered by `create_app`).

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

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote

from chalice import Chalice, Response
from pydantic import BaseModel

from sellerflow.analytics.service import AnalyticsService, SettlementNotFound
from sellerflow.api import models_analytics as am
from sellerflow.api.access import AuditSink, SellerDirectory
from sellerflow.api.errors import JSON_HEADERS, current, http_errors
from sellerflow.api.models import ErrorOut, single_values
from sellerflow.calendar import local_today
from sellerflow.marketplaces import MARKETPLACES
from sellerflow.members.permissions import Permission
from sellerflow.principal import Principal


class _Runtime(Protocol):
    @property
    def access(self) -> Any: ...

    @property
    def clock(self) -> Callable[[], Any]: ...


@dataclass(frozen=True)
class _Collaborators:
    analytics: AnalyticsService
    sellers: SellerDirectory
    audit: AuditSink


def _ok(model: BaseModel) -> Response:
    return Response(body=model.model_dump(mode="json"), status_code=200, headers=dict(JSON_HEADERS))


def _not_found_too(view: Callable[..., Response]) -> Callable[..., Response]:
    """`http_errors`, plus a missing settlement as 404 (the shared error map does not know it)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except SettlementNotFound as exc:
            body = ErrorOut(error="not_found", message=str(exc))
            return Response(body=body.model_dump(), status_code=404, headers=dict(JSON_HEADERS))

    return http_errors(wrapped)


def register_analytics_routes(
    app: Chalice,
    *,
    runtime: Callable[[], _Runtime],
    caller: Callable[[], Principal],
    query_params: Callable[[], dict[str, list[str]]],
    sellers: SellerDirectory | None = None,
    audit: AuditSink | None = None,
    analytics: AnalyticsService | None = None,
) -> None:
    """Add the analytics routes to the app; collaborators are built on the first request."""
    lock = threading.Lock()
    built: list[_Collaborators] = []

    def deps() -> _Collaborators:
        runtime()  # binds the tables when the app builds its own stores
        with lock:
            if not built:
                from sellerflow.store.audit import AuditLog
                from sellerflow.store.sellers import SellerStore
                from sellerflow.wiring.analytics import analytics_service

                built.append(
                    _Collaborators(
                        analytics=analytics or analytics_service(),
                        sellers=sellers if sellers is not None else SellerStore(),
                        audit=audit if audit is not None else AuditLog(),
                    )
                )
            return built[0]

    def member(seller_id: str, permission: Permission) -> tuple[Principal, Any]:
        who = caller()
        return who, runtime().access.require(who, seller_id, permission)

    def marketplaces(seller_id: str) -> tuple[str, ...]:
        profiles = deps().sellers.profiles([seller_id])
        return profiles[0].marketplace_ids if profiles else ()

    def params(*allowed: str) -> dict[str, str]:
        return single_values(query_params(), allowed=allowed)

    def audit_read(seller_id: str, who: Principal, action: str, resource: str) -> None:
        deps().audit.record(seller_id, who.sub, action, resource)

    @app.route("/sellers/{sellerId}/dashboard", methods=["GET"])
    @_not_found_too
    def dashboard(sellerId: str) -> Response:
        who, _ = member(sellerId, Permission.ANALYTICS_READ)
        values = params("range", "from", "to", "marketplace")
        name = am.parse_range_name(values)
        first, last = am.parse_days(values)
        result = deps().analytics.dashboard(
            sellerId, marketplaces(sellerId), name, runtime().clock(), first=first, last=last,
            only=am.parse_marketplace(values),
        )  # fmt: skip
        audit_read(
            sellerId,
            who,
            "dashboard.read",
            f"dashboard range={name.value} marketplace={values.get('marketplace', 'all')}",
        )
        return _ok(am.DashboardOut.of(result))

    @app.route("/sellers/{sellerId}/analytics/daily", methods=["GET"])
    @_not_found_too
    def daily(sellerId: str) -> Response:
        who, _ = member(sellerId, Permission.ANALYTICS_READ)
        values = params("from", "to", "marketplace")
        first, last = am.parse_days(values)
        series = deps().analytics.daily(
            sellerId, marketplaces(sellerId), runtime().clock(), first=first, last=last,
            only=am.parse_marketplace(values),
        )  # fmt: skip
        audit_read(
            sellerId, who, "analytics.daily.read", f"daily {first}..{last} returned={len(series.days)}"
        )
        return _ok(am.DailyOut.of(series))

    @app.route("/sellers/{sellerId}/analytics/skus", methods=["GET"])
    @_not_found_too
    def skus(sellerId: str) -> Response:
        who, _ = member(sellerId, Permission.ANALYTICS_READ)
        values = params("from", "to", "marketplace", "sort")
        first, last = am.parse_days(values)
        sort = am.parse_sort(values)
        table = deps().analytics.sku_table(
            sellerId, marketplaces(sellerId), runtime().clock(), first=first, last=last,
            only=am.parse_marketplace(values), sort=sort,
        )  # fmt: skip
        audit_read(sellerId, who, "analytics.skus.read", f"skus {first}..{last} returned={len(table.rows)}")
        return _ok(am.SkusOut.of(table, sort))

    @app.route("/sellers/{sellerId}/inventory", methods=["GET"])
    @_not_found_too
    def inventory(sellerId: str) -> Response:
        who, _ = member(sellerId, Permission.INVENTORY_READ)
        values = params("marketplace")
        view = deps().analytics.inventory(
            sellerId, marketplaces(sellerId), runtime().clock(), only=am.parse_marketplace(values)
        )
        audit_read(sellerId, who, "inventory.read", f"inventory returned={len(view.rows)}")
        return _ok(am.InventoryOut.of(view))

    @app.route("/sellers/{sellerId}/settlements", methods=["GET"])
    @_not_found_too
    def settlements(sellerId: str) -> Response:
        who, _ = member(sellerId, Permission.FINANCES_READ)
        params()
        found = deps().analytics.settlements(sellerId)
        audit_read(sellerId, who, "settlements.list", f"settlements returned={len(found)}")
        return _ok(am.SettlementsOut(settlements=[am.SettlementOut.of(s) for s in found]))

    @app.route("/sellers/{sellerId}/settlements/{settlementId}", methods=["GET"])
    @_not_found_too
    def settlement(sellerId: str, settlementId: str) -> Response:
        who, _ = member(sellerId, Permission.FINANCES_READ)
        values = params("limit", "next_token")
        settlement_id = am.validate_settlement_id(settlementId)
        limit = am.parse_limit(values)
        token = values.get("next_token")
        after = int(am.decode_cursor(sellerId, token, am.LINE_CURSOR)) if token else 0
        detail = deps().analytics.settlement(sellerId, settlement_id, after_line=after, limit=limit)
        audit_read(sellerId, who, "settlement.read", f"settlement/{settlement_id} lines={len(detail.lines)}")
        return _ok(am.SettlementDetailOut.of(detail, sellerId))

    @app.route("/sellers/{sellerId}/transactions", methods=["GET"])
    @_not_found_too
    def transactions(sellerId: str) -> Response:
        who, _ = member(sellerId, Permission.FINANCES_READ)
        values = params("from", "to", "type", "marketplace", "limit", "next_token")
        posted_from, posted_to = am.parse_tx_window(values, runtime().clock())
        kind = am.parse_transaction_type(values)
        marketplace = am.parse_marketplace(values)
        limit = am.parse_limit(values)
        token = values.get("next_token")
        after = am.decode_cursor(sellerId, token, am.FIN_CURSOR) if token else None
        page = deps().analytics.transactions(
            sellerId, posted_from, posted_to, transaction_type=kind, marketplace_id=marketplace,
            limit=limit, after_key=after,
        )  # fmt: skip
        audit_read(
            sellerId,
            who,
            "transactions.list",
            f"transactions posted {posted_from.isoformat()}..{posted_to.isoformat()} type={kind or 'any'} "
            f"returned={len(page.transactions)}",
        )
        return _ok(
            am.TransactionsOut(
                transactions=[am.TransactionOut.of(t) for t in page.transactions],
                next_token=am.encode_cursor(sellerId, page.last_key) if page.last_key else None,
            )
        )

    @app.route("/sellers/{sellerId}/cogs", methods=["GET"])
    @_not_found_too
    def list_cogs(sellerId: str) -> Response:
        who, _ = member(sellerId, Permission.ANALYTICS_READ)
        params()
        entries = deps().analytics.cogs_entries(sellerId)
        audit_read(sellerId, who, "cogs.list", f"cogs returned={len(entries)}")
        return _ok(am.CogsListOut(cogs=[am.CogsOut.of(e) for e in entries]))

    @app.route("/sellers/{sellerId}/cogs/{sku}", methods=["PUT"])
    @_not_found_too
    def put_cogs(sellerId: str, sku: str) -> Response:
        who, _ = member(sellerId, Permission.COGS_WRITE)
        params()
        the_sku = am.validate_sku(unquote(sku))
        now = runtime().clock()
        mkts = marketplaces(sellerId)
        currencies = sorted({MARKETPLACES[x].currency for x in mkts if x in MARKETPLACES})
        today = max((local_today(x, now) for x in mkts), default=now.date())
        entry = am.parse_cogs_body(
            sellerId, the_sku, current(app.current_request).raw_body, currencies=currencies, today=today
        )
        change = deps().analytics.put_cogs(entry, mkts, now)
        audit_read(
            sellerId,
            who,
            "cogs.write",
            f"cogs/{the_sku} from {entry.effective_from} {entry.currency} days_marked={change.dirty_days}",
        )
        return _ok(am.CogsPutOut.of(change))
