"""The dashboard's order and inventory figures in the demo, read through the local API Gateway as the
dashboard reads them and checked against what is stored.

`verified order_profit <seller> orders=N fees_posted=M fees_match=M adds_up=N`: every order of the
last 30 days (first 100) carries its figures; `fees_match` counts the orders whose fees equal −Σ the
fee amounts of the stored finance transactions naming them; `adds_up` those whose profit = sales −
fees − refunds − COGS.

`verified reorder_plan <seller> skus=N out_of_stock=K urgent_first=yes plans_match=N`: the inventory
in the urgency order (out of stock first, none of them with cover, then the least days of cover)
and each row's reorder quantity and order-by date equal to `analytics.reorder` over its own figures
and the stored lead times.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from sellerflow.analytics.reorder import reorder_plan
from sellerflow.analytics.rollups import is_fee
from sellerflow.calendar import local_today
from sellerflow.store.facts import FactStore
from sellerflow.store.restock import RestockStore
from sellerflow_dev.local.stack import LocalStack

DEMO_USER = "demo@sellerflow.local"


def _get(stack: LocalStack, path: str, **params: Any) -> Any:
    assert stack.gateway is not None
    headers = {"authorization": f"Bearer {stack.id_token(DEMO_USER)}"}
    answer = httpx.get(f"{stack.gateway.url}{path}", headers=headers, params=params, timeout=60)
    answer.raise_for_status()
    return answer.json()


def verify_order_profit(stack: LocalStack, say: Callable[[str], None]) -> bool:
    seller = stack.world.sellers[0].seller_id
    today = datetime.now(UTC).date()
    window = {"from": (today - timedelta(days=30)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    orders = _get(stack, f"/sellers/{seller}/orders", limit=100, **window)["orders"]
    if not orders:
        say(f"MISMATCH order_profit {seller} orders=0")
        return False
    start = min(datetime.fromisoformat(o["created_time"]) for o in orders)
    fees: dict[str, Decimal] = {}
    for tx in FactStore().finance_transactions(seller, start, datetime.now(UTC) + timedelta(days=1)):
        if tx.order_id is not None:
            fees[tx.order_id] = fees.get(tx.order_id, Decimal(0)) - sum(
                (a for kind, a in tx.amounts if is_fee(kind)), Decimal(0)
            )
    posted = matched = adds_up = 0
    for o in orders:
        e = o["economics"]
        amount = {k: Decimal(e[k]["amount"]) for k in ("sales", "fees", "refunds", "cogs", "profit")}
        adds_up += amount["sales"] - amount["fees"] - amount["refunds"] - amount["cogs"] == amount["profit"]
        if e["fees_posted"]:
            posted += 1
            matched += fees.get(o["order_id"], Decimal(0)) == amount["fees"]
    ok = posted > 0 and matched == posted and adds_up == len(orders)
    say(
        f"{'verified' if ok else 'MISMATCH'} order_profit {seller} orders={len(orders)} "
        f"fees_posted={posted} fees_match={matched} adds_up={adds_up}"
    )
    return ok


def verify_reorder_plan(stack: LocalStack, say: Callable[[str], None]) -> bool:
    seller = stack.world.sellers[0].seller_id
    items = _get(stack, f"/sellers/{seller}/inventory")["items"]
    settings = RestockStore().restock_settings(seller)
    now = datetime.now(UTC)
    out = [i for i in items if i["status"] == "out_of_stock"]
    rest = [i for i in items if i["status"] != "out_of_stock"]
    covers = [Decimal(i["days_of_cover"]) for i in rest if i["days_of_cover"] is not None]
    no_cover = all(i["days_of_cover"] is None or Decimal(i["days_of_cover"]) == 0 for i in out)
    urgent_first = items[: len(out)] == out and covers == sorted(covers) and no_cover
    matched = 0
    for i in items:
        plan = reorder_plan(
            sellable=i["fulfillable"], inbound=i["inbound"], velocity=Decimal(i["velocity_per_day"]),
            times=settings.for_sku(i["sku"]), cycle_days=settings.cycle_days,
            today=local_today(i["marketplace_id"], now),
        )  # fmt: skip
        shown = date.fromisoformat(i["order_by"]) if i["order_by"] else None
        matched += (plan.reorder_quantity, plan.order_by) == (i["reorder_quantity"], shown)
    ok = bool(items) and urgent_first and matched == len(items)
    say(
        f"{'verified' if ok else 'MISMATCH'} reorder_plan {seller} skus={len(items)} out_of_stock={len(out)} "
        f"urgent_first={'yes' if urgent_first else 'no'} plans_match={matched}"
    )
    return ok


def verify_dashboard_figures(stack: LocalStack, say: Callable[[str], None]) -> bool:
    orders_ok = verify_order_profit(stack, say)
    return verify_reorder_plan(stack, say) and orders_ok
