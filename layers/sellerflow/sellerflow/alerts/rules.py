"""The six alert rules, as pure functions of typed inputs (no I/O, no clock: `now` is given).

Each returns the alerts that are due now; whether one was already sent (de-duplication) and whether
it waits for quiet hours to end is the service's business, not the rules'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from sellerflow.alerts.content import (
    AcosJumpContent,
    AlertKind,
    AuthorizationContent,
    AuthorizationState,
    DailySalesContent,
    LowStockContent,
    MessageUnansweredContent,
    SyncFailingContent,
)
from sellerflow.alerts.model import Alert, AlertRule, AlertRules
from sellerflow.analytics.inventory import InventoryHealth, RestockPolicy, inventory_health
from sellerflow.analytics.model import ZERO, DayRollup, RestockSettings, SkuRollup
from sellerflow.calendar import local_today
from sellerflow.facts import InventoryFact
from sellerflow.marketplaces import MARKETPLACES

PCT = Decimal("0.01")
MONEY = Decimal("0.01")
TRAILING_DAYS = 7
SELLER_SCOPE = "seller"


@dataclass(frozen=True)
class AuthorizationInput:
    """The seller's authorization: revoked, or when it expires (None when unknown)."""

    revoked: bool
    lapsed: bool = False
    expires_at: datetime | None = None


@dataclass(frozen=True)
class EvaluationInput:
    """Everything the rules read for one seller at one instant."""

    seller_id: str
    now: datetime
    marketplace_ids: tuple[str, ...]
    rules: AlertRules
    day_rollups: Sequence[DayRollup] = ()  # at least the last 9 local days of each marketplace
    sku_rollups: Sequence[SkuRollup] = ()  # the velocity window of the inventory rule
    inventory: Sequence[InventoryFact] = ()
    authorization: AuthorizationInput = field(default_factory=lambda: AuthorizationInput(revoked=False))
    consecutive_failures: int = 0
    last_run_at: datetime | None = None
    sync_failed: bool = False  # evaluated from the failure path of the sync
    unanswered_due: Sequence[datetime] = ()  # when each open buyer-message thread is due (24 h clock)
    restock: RestockSettings | None = None  # the inventory's lead times, None until the seller saves them


def evaluate(data: EvaluationInput) -> list[Alert]:
    alerts: list[Alert] = []
    if not data.sync_failed:
        alerts += daily_sales(data)
        alerts += low_stock(data)
        alerts += acos_jump(data)
    alerts += authorization(data)
    alerts += sync_failing(data)
    alerts += message_unanswered(data)
    return alerts


def _marketplaces(data: EvaluationInput, rule: AlertRule) -> list[str]:
    return [m for m in data.marketplace_ids if m in MARKETPLACES and rule.in_scope(m)]


def _alert(data: EvaluationInput, rule: AlertRule, scope: str, period: str, content: object) -> Alert:
    return Alert.model_validate(
        {
            "seller_id": data.seller_id,
            "kind": rule.kind,
            "scope": scope,
            "period": period,
            "content": content,
            "channels": rule.channels,
        }
    )


def _pct(numerator: Decimal, denominator: Decimal) -> Decimal:
    return (numerator / denominator * 100).quantize(PCT, rounding=ROUND_HALF_EVEN)


# --- daily_sales ---------------------------------------------------------------------------------
def daily_sales(data: EvaluationInput) -> list[Alert]:
    """Yesterday's summary per marketplace, once that marketplace's local day has closed (it has, at
    any instant of the next local day), against the same weekday a week earlier."""
    rule = data.rules.rule(AlertKind.DAILY_SALES)
    if not rule.enabled or not rule.channels:
        return []
    by_key = {(r.marketplace_id, r.day): r for r in data.day_rollups}
    alerts = []
    for m in _marketplaces(data, rule):
        day = local_today(m, data.now) - timedelta(days=1)
        currency = MARKETPLACES[m].currency
        empty = DayRollup(seller_id=data.seller_id, marketplace_id=m, day=day, currency=currency)
        current = by_key.get((m, day), empty)
        before = by_key.get((m, day - timedelta(days=7)), empty)
        change = (
            None
            if before.gross_sales == 0
            else _pct(current.gross_sales - before.gross_sales, before.gross_sales)
        )
        content = DailySalesContent(
            marketplace_id=m,
            day=day,
            currency=currency,
            orders=current.orders,
            units=current.units,
            sales=current.gross_sales.quantize(MONEY),
            net_profit=current.net_profit.quantize(MONEY),
            last_week_sales=before.gross_sales.quantize(MONEY),
            sales_change_pct=change,
        )
        alerts.append(_alert(data, rule, m, day.isoformat(), content))
    return alerts


# --- low_stock -----------------------------------------------------------------------------------
def low_stock(data: EvaluationInput) -> list[Alert]:
    """SKUs whose days of cover (analytics.inventory) is below lead time + safety days; the lowest
    cover first, at most `max_skus` per marketplace; one alert per SKU and local day.

    Lead time and safety days are the inventory's restock settings (the SKU's own, else the seller's
    default) once the seller has saved them, the rule's thresholds until then. An out-of-stock SKU
    alerts with 0 days of cover whatever is inbound (as in `analytics.reorder`: inbound units do not
    sell until they arrive) when it sold in the velocity window or has stock on the way; a SKU with
    neither sales nor stock, sellable or inbound, is left alone (nothing to act on)."""
    rule = data.rules.rule(AlertKind.LOW_STOCK)
    if not rule.enabled or not rule.channels:
        return []
    t = rule.thresholds
    fallback = RestockPolicy(lead_time_days=t.lead_time_days, safety_days=t.safety_days)
    scope = set(_marketplaces(data, rule))
    rows: list[InventoryHealth] = inventory_health(
        [i for i in data.inventory if i.marketplace_id in scope],
        [s for s in data.sku_rollups if s.marketplace_id in scope],
        policy=fallback,
    )
    low: list[tuple[InventoryHealth, Decimal, int]] = []
    for r in rows:
        threshold = _restock_below_days(data.restock, r.sku, fallback)
        if r.fulfillable <= 0 and (r.velocity > 0 or r.inbound > 0):
            low.append((r, ZERO, threshold))  # out of stock: inbound units are no cover
        elif r.days_of_cover is not None and r.days_of_cover < threshold:
            low.append((r, r.days_of_cover, threshold))
    alerts = []
    for m in sorted(scope):
        picked = sorted(
            (x for x in low if x[0].marketplace_id == m), key=lambda x: (x[1], -x[0].velocity, x[0].sku)
        )
        day = local_today(m, data.now).isoformat()
        for r, cover, threshold in picked[: t.max_skus]:
            content = LowStockContent(
                marketplace_id=m,
                sku=r.sku,
                asin=r.asin,
                fulfillable=max(r.fulfillable, 0),
                inbound=max(r.inbound, 0),
                days_of_cover=cover,
                threshold_days=threshold,
            )
            alerts.append(_alert(data, rule, f"{m}#{r.sku}", day, content))
    return alerts


def _restock_below_days(settings: RestockSettings | None, sku: str, fallback: RestockPolicy) -> int:
    if settings is None:
        return fallback.restock_below_days
    times = settings.for_sku(sku)
    return times.lead_time_days + times.safety_days


# --- acos_jump -----------------------------------------------------------------------------------
def acos_jump(data: EvaluationInput) -> list[Alert]:
    """Yesterday's ACOS (ad spend ÷ ad-attributed sales) more than `increase_pct` % above the ACOS
    of the 7 days before it. Days without attributed sales give no ACOS and no alert."""
    rule = data.rules.rule(AlertKind.ACOS_JUMP)
    if not rule.enabled or not rule.channels:
        return []
    by_key = {(r.marketplace_id, r.day): r for r in data.day_rollups}
    alerts = []
    for m in _marketplaces(data, rule):
        day = local_today(m, data.now) - timedelta(days=1)
        current = by_key.get((m, day))
        trailing = [by_key[(m, d)] for d in _days_before(day, TRAILING_DAYS) if (m, d) in by_key]
        spend = sum((r.ad_spend for r in trailing), ZERO)
        sales = sum((r.ad_sales for r in trailing), ZERO)
        if current is None or current.ad_sales <= 0 or sales <= 0 or spend <= 0:
            continue
        if current.ad_spend < rule.thresholds.min_ad_spend:
            continue
        acos = _pct(current.ad_spend, current.ad_sales)
        trailing_acos = _pct(spend, sales)
        increase = _pct(acos - trailing_acos, trailing_acos)
        if increase <= rule.thresholds.increase_pct:
            continue
        content = AcosJumpContent(
            marketplace_id=m,
            day=day,
            currency=current.currency,
            ad_spend=current.ad_spend.quantize(MONEY),
            acos_pct=acos,
            trailing_acos_pct=trailing_acos,
            increase_pct=increase,
        )
        alerts.append(_alert(data, rule, m, day.isoformat(), content))
    return alerts


def _days_before(day: date, count: int) -> list[date]:
    return [day - timedelta(days=n) for n in range(1, count + 1)]


# --- authorization -------------------------------------------------------------------------------
def authorization(data: EvaluationInput) -> list[Alert]:
    """Revoked or lapsed (once per UTC day it is seen), or expiring within `expiry_days` (once per expiry date)."""
    rule = data.rules.rule(AlertKind.AUTHORIZATION)
    if not rule.enabled or not rule.channels:
        return []
    auth = data.authorization
    if auth.revoked or auth.lapsed:
        state = AuthorizationState.REVOKED if auth.revoked else AuthorizationState.LAPSED
        expired = auth.expires_at.date() if auth.expires_at else None
        content = AuthorizationContent(state=state, expires_on=expired, days_left=0 if auth.lapsed else None)
        return [_alert(data, rule, SELLER_SCOPE, f"{state.value}-{data.now.date().isoformat()}", content)]
    if auth.expires_at is None:
        return []
    left = auth.expires_at - data.now
    if left > timedelta(days=rule.thresholds.expiry_days):
        return []
    expires_on = auth.expires_at.date()
    content = AuthorizationContent(
        state=AuthorizationState.EXPIRING, expires_on=expires_on, days_left=max(left.days, 0)
    )
    return [_alert(data, rule, SELLER_SCOPE, f"expires-{expires_on.isoformat()}", content)]


# --- sync_failing --------------------------------------------------------------------------------
def sync_failing(data: EvaluationInput) -> list[Alert]:
    """`consecutive_failures` or more failed syncs in a row: once per UTC day while it lasts."""
    rule = data.rules.rule(AlertKind.SYNC_FAILING)
    if not rule.enabled or not rule.channels:
        return []
    if data.consecutive_failures < rule.thresholds.consecutive_failures:
        return []
    content = SyncFailingContent(
        consecutive_failures=data.consecutive_failures,
        last_run_on=data.last_run_at.date() if data.last_run_at else None,
    )
    return [_alert(data, rule, SELLER_SCOPE, data.now.date().isoformat(), content)]


# --- message_unanswered --------------------------------------------------------------------------
def message_unanswered(data: EvaluationInput) -> list[Alert]:
    """Open buyer threads due within `hours_left` (not yet overdue): once per earliest due hour."""
    rule = data.rules.rule(AlertKind.MESSAGE_UNANSWERED)
    if not rule.enabled or not rule.channels:
        return []
    window = timedelta(hours=rule.thresholds.hours_left)
    nearing = sorted(due for due in data.unanswered_due if data.now < due <= data.now + window)
    if not nearing:
        return []
    first = nearing[0]
    content = MessageUnansweredContent(
        threads=len(nearing), hours_left=max(0, int((first - data.now).total_seconds() // 3600))
    )
    return [_alert(data, rule, SELLER_SCOPE, first.strftime("due-%Y-%m-%dT%H"), content)]
