"""The home-currency part of the demo (and of the e2e test): the scheduled reference-rates fetch reads
the simulator's ECB files into DynamoDB, then the dashboard's one total is checked against a
recomputation from what is stored.

`verified home_currency <seller> currency=<home> rate_days=<stored> converted=<currencies>
sales=<amount> net_profit=<amount> recomputed=true substituted_days=<n>`: the API's home total of the
last 30 days equals the stored day rollups converted, day by day, with the stored rates (the latest
earlier day's where a day has none), summed and rounded half to even to the home currency's unit.

`verified home_pnl <seller> currency=<home> fee_types=<n> lines_add_up=true sku_rows=<n>
marketplaces=<n> rows_add_up=true unconverted=<n>`: the home P&L's Amazon fees are the sum of its fee
types, payout and net profit the sums of its lines, to the cent; the SKU table's home view
(`currency=home`) holds rows of several marketplaces in the home currency, each row's profit the sum
of its amounts; nothing left unconverted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import httpx

from sellerflow_dev.local.stack import LocalStack


def _recomputed(seller_id: str, home: str, windows: list[dict[str, Any]]) -> dict[str, Decimal]:
    from sellerflow.store.facts_rollups import RollupStore
    from sellerflow.store.fx import FxRateStore

    first = min(date.fromisoformat(w["current"]["start"]) for w in windows)
    last = max(date.fromisoformat(w["current"]["end"]) for w in windows)
    rates = {d.day: d for d in FxRateStore().between(first - timedelta(days=30), last)}
    sums = {"sales": Decimal(0), "net_profit": Decimal(0)}
    for w in windows:
        start, end = date.fromisoformat(w["current"]["start"]), date.fromisoformat(w["current"]["end"])
        for r in RollupStore().days(seller_id, start, end, marketplace_id=w["marketplace_id"]):
            on = rates[max(d for d in rates if d <= r.day)]
            to, cur = on.rate(home), on.rate(r.currency)
            if to is None or cur is None:
                continue
            sums["sales"] += (r.gross_sales + r.shipping) * to / cur
            sums["net_profit"] += r.net_profit * to / cur
    unit = Decimal(1) if home == "JPY" else Decimal("0.01")
    return {k: v.quantize(unit, rounding=ROUND_HALF_EVEN) for k, v in sums.items()}


def _amounts(row: dict[str, Any]) -> dict[str, Decimal]:
    return {k: Decimal(v["amount"]) for k, v in row.items() if isinstance(v, dict) and "amount" in v}


def verify_home_pnl(
    base: str, headers: dict[str, str], seller: str, home: dict[str, Any], say: Callable[[str], None]
) -> bool:
    """The home P&L adds up and the SKU table's home view spans the marketplaces (see the docstring)."""
    current = home.get("current") or {}
    fees = [Decimal(v["amount"]) for v in current.get("amazon_fees_by_type", {}).values()]
    a = _amounts(current)
    payout = (
        a.get("gross_sales", Decimal(0)) + a.get("shipping", Decimal(0)) - a.get("promotions", Decimal(0))
    )
    payout -= a.get("refunds", Decimal(0)) + a.get("amazon_fees", Decimal(0))
    pnl_ok = bool(current) and a["amazon_fees"] == sum(fees, Decimal(0)) and a["estimated_payout"] == payout
    pnl_ok = pnl_ok and a["net_profit"] == payout - a["cogs"] - a["ad_spend"]
    skus = httpx.get(
        f"{base}/sellers/{seller}/analytics/skus?currency=home", headers=headers, timeout=60
    ).json()
    rows = [r for r in skus.get("skus", []) if r.get("currency") == home.get("currency")]
    parts = ("gross_sales", "shipping")
    costs = ("promotions", "refunds", "fees", "cogs", "ad_spend")
    rows_ok = all(
        (x := _amounts(r))["net_profit"]
        == sum((x[p] for p in parts), Decimal(0)) - sum((x[c] for c in costs), Decimal(0))
        for r in rows
    )
    unconverted = len((skus.get("home") or {}).get("rates", {}).get("unconverted", []))
    markets = len({r["marketplace_id"] for r in rows})
    ok = pnl_ok and rows_ok and markets > 1 and unconverted == 0
    say(
        f"{'verified' if ok else 'MISMATCH'} home_pnl {seller} currency={home.get('currency')} "
        f"fee_types={len(fees)} lines_add_up={'true' if pnl_ok else 'false'} sku_rows={len(rows)} "
        f"marketplaces={markets} rows_add_up={'true' if rows_ok else 'false'} unconverted={unconverted}"
    )
    return ok


def verify_home_currency(stack: LocalStack, say: Callable[[str], None]) -> bool:
    fetched = json.loads(stack.fire_schedule("FetchFxRatesSchedule"))
    seller = stack.world.sellers[0].seller_id
    assert stack.gateway is not None
    headers = {"authorization": f"Bearer {stack.id_token('demo@sellerflow.local')}"}
    url = f"{stack.gateway.url}/sellers/{seller}/dashboard?range=last30"
    body = httpx.get(url, headers=headers, timeout=60).json()
    home = body.get("home") or {}
    current = home.get("current", {})
    api_sales = (
        Decimal(current["gross_sales"]["amount"]) + Decimal(current["shipping"]["amount"])
        if current
        else None
    )
    api_profit = Decimal(current["net_profit"]["amount"]) if current else None
    expected = _recomputed(seller, home.get("currency", ""), body["marketplaces"]) if current else {}
    # the API rounds each line, then adds: allow the cent of that one rounding in the sales line
    ok = (
        int(fetched.get("stored", 0)) > 0
        and not home.get("current_rates", {}).get("missing_rates")
        and api_sales is not None
        and abs(api_sales - expected["sales"]) <= Decimal("0.01")
        and api_profit is not None
        and abs(api_profit - expected["net_profit"]) <= Decimal("0.06")
    )
    rates = home.get("current_rates", {})
    say(
        f"{'verified' if ok else 'MISMATCH'} home_currency {seller} currency={home.get('currency')} "
        f"rate_days={fetched.get('stored')} converted={','.join(rates.get('converted', []))} "
        f"sales={api_sales} net_profit={api_profit} recomputed={'true' if ok else 'false'} "
        f"substituted_days={len(rates.get('substituted', []))}"
    )
    return verify_home_pnl(stack.gateway.url, headers, seller, home, say) and ok
