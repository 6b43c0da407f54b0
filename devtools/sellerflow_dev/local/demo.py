"""`make demo`: the whole pipeline on demo sellers, then the API until Ctrl-C."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, TextIO

from sellerflow.store.reports import ReportStore
from sellerflow_dev.local.demo_dashboard import verify_dashboard_figures
from sellerflow_dev.local.demo_finance import verify_finance_chunks
from sellerflow_dev.local.demo_fx import verify_home_currency
from sellerflow_dev.local.demo_history import verify_history_archive
from sellerflow_dev.local.demo_labels import verify_labels
from sellerflow_dev.local.demo_messages import verify_messages
from sellerflow_dev.local.demo_orders import verify_order_chunks
from sellerflow_dev.local.demo_reviews import enable_review_requests, verify_solicitations
from sellerflow_dev.local.demo_world import verify_demo_world
from sellerflow_dev.local.stack import DEMO_PASSWORD, LocalStack, LocalStackConfig
from sellerflow_dev.local.verify import (
    SkuProfitCheck,
    verify_ads_regions,
    verify_economics,
    verify_notifications,
    verify_orders,
    verify_sales_traffic,
    verify_settlements,
    verify_sku_profit,
)


def _verify_ads_regions(stack: LocalStack, say: Callable[[str], None]) -> bool:
    """Each seller's campaign days as stored, per Amazon Ads region (each profile synced from its own
    region's host), against the simulator's ground truth of the last four weeks."""
    from sellerflow.calendar import local_day
    from sellerflow.wiring.ads import ads_store
    from sellerflow_dev.simulator.ads_api import region_of

    def finished_days(marketplace_id: str) -> tuple[date, date]:
        # The marketplace's last four weeks of finished local days: its today is still selling (the
        # daily fresh report carries it in part, and the next day's report rewrites it whole).
        last = local_day(marketplace_id, stack.world.now) - timedelta(days=1)
        return last - timedelta(days=27), last

    all_ok = True
    for seller in stack.world.sellers:
        markets = seller.marketplace_ids
        windows = {m: finished_days(m) for m in markets}
        check = verify_ads_regions(
            seller.seller_id,
            [
                fact
                for m, (first, last) in windows.items()
                for fact in ads_store().for_marketplaces(seller.seller_id, [m], first, last)
            ],
            {
                p.marketplace_id: region_of(p.marketplace_id)
                for p in stack.world.ad_profiles(seller.seller_id)
            },
            [
                day
                for m, (first, last) in windows.items()
                for day in stack.world.ad_days(seller.seller_id, m, first, last)
            ],
        )
        all_ok = all_ok and check.ok
        say(
            f"{'verified' if check.ok else 'MISMATCH'} ads_regions {seller.seller_id} "
            f"regions={','.join(check.regions) or '-'} profiles={check.profiles} campaigns={check.campaigns} "
            f"campaign_days={check.campaign_days} source={check.source_campaign_days}"
            + (
                ""
                if check.ok
                else f" expected_regions={','.join(check.source_regions)} different={check.different}"
            )
        )
    return all_ok


SKU_PROFIT_SPAN = timedelta(days=548)  # every stored rollup: they are kept at most 18 months


def _verify_sku_profit(seller_id: str, now: datetime) -> SkuProfitCheck:
    """The stored SKU table against the stored daily series, over every stored day."""
    from sellerflow.wiring.analytics import rollup_store

    last = now.date() + timedelta(days=1)
    first = last - SKU_PROFIT_SPAN
    store = rollup_store()
    return verify_sku_profit(
        seller_id, store.days(seller_id, first, last), store.skus(seller_id, first, last)
    )


def _verify_sku_windows(seller_id: str, marketplaces: list[str], sync_started: datetime) -> tuple[bool, str]:
    """The SKU table (last 30 days) and the inventory answered from the stored trailing windows equal
    the same answers from every SKU row, and read fewer DynamoDB items (a window is one item per
    300 KB of rows, counted as one here; the windows are the rollup job's)."""
    from sellerflow.analytics.service import AnalyticsService
    from sellerflow.calendar import local_today
    from sellerflow.store.facts import FactStore
    from sellerflow.store.facts_control import CogsStore, DirtyDays
    from sellerflow.store.facts_rollups import RollupStore

    now = datetime.now(UTC)
    read = {True: 0, False: 0}

    class Counting(RollupStore):
        summarized = False

        def skus(self, *args: Any, **kwargs: Any) -> list[Any]:
            rows = super().skus(*args, **kwargs)
            read[self.summarized] += len(rows)
            return rows

        def sku_window(self, *args: Any, **kwargs: Any) -> Any:
            stored = super().sku_window(*args, **kwargs)
            read[True] += 1 if stored else 0
            return stored

    answers = {}
    for summarized in (True, False):
        store = Counting()
        store.summarized = summarized
        service = AnalyticsService(
            rollups=store,
            facts=FactStore(),
            cogs=CogsStore(),
            dirty=DirtyDays(),
            sku_windows=store if summarized else None,
        )
        answers[summarized] = (
            service.sku_table(seller_id, marketplaces, now),
            service.inventory(seller_id, marketplaces, now),
        )
    # A marketplace whose local day changed since the sync has windows ending the day before: read.
    current = [m for m in marketplaces if local_today(m, sync_started) == local_today(m, now)]
    stored = [m for m in current if RollupStore().sku_window(seller_id, m, 29) is not None]
    ok = answers[True] == answers[False] and len(stored) == len(current) and read[True] <= read[False]
    verdict = "verified" if ok else "MISMATCH"
    return ok, (
        f"{verdict} sku_windows {seller_id} marketplaces={len(stored)}/{len(current)} "
        f"same_answers={str(answers[True] == answers[False]).lower()} "
        f"items_read={read[True]} items_read_without={read[False]}"
    )


def run_demo(config: LocalStackConfig, *, once: bool, out: TextIO = sys.stdout) -> int:
    def say(text: str) -> None:
        print(text, file=out, flush=True)

    say("Sellerflow local stack: starting moto, the SP-API simulator and every resource of template.yaml ...")
    stack = LocalStack(config)
    stack.start()
    try:
        assert stack.resources is not None
        say(
            f"  {len(stack.resources.physical)} resources, {len(stack.resources.functions)} functions, "
            f"{len(stack.resources.state_machines)} state machines, {len(stack.resources.schedules)} schedule(s)"
        )
        stack.connect_demo_sellers()
        demo_numbers = _set_up_demo_alerts(stack)
        enable_review_requests(stack)  # 7 days after delivery; the sync's RequestReviews step asks
        for seller in stack.world.sellers:
            say(f"  connected {seller.seller_id} ({seller.name}) in {', '.join(seller.marketplace_ids)}")
        say("Schedule tick: fanout → one seller-sync per seller (Step Functions on moto) ...")
        done = threading.Event()
        progress = threading.Thread(target=_progress, args=(stack, done, say), daemon=True)
        progress.start()
        started = time.monotonic()
        sync_started = datetime.now(UTC)
        reports = stack.run_sync()
        done.set()
        progress.join()
        say(f"Sync finished in {time.monotonic() - started:.1f}s")
        say(
            f"{'seller':<16} {'status':<10} {'orders':>7} {'SP-API calls':>13} {'throttled':>10} {'duration':>9}"
        )
        for r in reports:
            say(
                f"{r.seller_id:<16} {r.status:<10} {r.orders_stored:>7} {r.spapi_calls:>13} "
                f"{r.throttled:>10} {r.duration_s:>8.1f}s"
            )
        from sellerflow import wiring

        all_ok = all(r.status == "SUCCEEDED" for r in reports)
        all_ok = _push_orders_changed(stack, say) and all_ok
        for seller in stack.world.sellers:
            stored = list(wiring.order_store().all_for_seller(seller.seller_id))
            check = verify_orders(
                seller.seller_id,
                stored,
                stack.world.orders(seller.seller_id),
                history=stack.world.history_orders(seller.seller_id),
                backfilled=ReportStore().all(seller.seller_id),
            )
            all_ok = all_ok and check.ok
            verdict = "verified" if check.ok else "MISMATCH"
            say(
                f"{verdict} orders {seller.seller_id} stored={check.stored} source={check.source}"
                + (
                    ""
                    if check.ok
                    else f" missing={len(check.missing)} unexpected={len(check.unexpected)} "
                    f"different={len(check.different)}"
                )
            )
            profit = _verify_sku_profit(seller.seller_id, stack.world.now)
            all_ok = all_ok and profit.ok
            say(profit.line())
            windows_ok, windows_line = _verify_sku_windows(
                seller.seller_id, list(seller.marketplace_ids), sync_started
            )
            all_ok = all_ok and windows_ok
            say(windows_line)
        all_ok = _verify_ads_regions(stack, say) and all_ok
        all_ok = _verify_settlements(stack, sync_started, say) and all_ok
        all_ok = _verify_notifications(stack, say) and all_ok
        all_ok = _verify_sales_traffic(stack, say) and all_ok
        all_ok = _verify_economics(stack, say) and all_ok
        all_ok = _verify_tenant_isolation(stack, say) and all_ok
        # Labels first: with billing on the sellers are still in their trial (the whole product); the
        # billing step then subscribes them to Growth, whose plan has no labels
        all_ok = verify_labels(stack, say) and all_ok
        all_ok = verify_solicitations(stack, say) and all_ok
        if config.billing:
            from sellerflow_dev.local.billing_demo import verify_billing

            all_ok = verify_billing(stack, say) and all_ok
        all_ok = _verify_cost_import(stack, say) and all_ok
        all_ok = verify_messages(stack, say) and all_ok
        all_ok = verify_dashboard_figures(stack, say) and all_ok  # after the costs: orders have COGS
        all_ok = verify_home_currency(stack, say) and all_ok
        all_ok = verify_demo_world(stack, say, datetime.now(UTC).date()) and all_ok  # velocities, comparisons
        all_ok = verify_order_chunks(stack, say) and all_ok
        all_ok = verify_finance_chunks(stack, say) and all_ok
        all_ok = verify_history_archive(stack, say) and all_ok  # last: the old orders then leave DynamoDB
        _print_alerts_sent(stack, demo_numbers, say)
        if once:
            return 0 if all_ok else 1
        assert stack.gateway is not None
        token = stack.id_token("demo@sellerflow.local")
        say("")
        say(f"Dashboard:  {stack.gateway.url}/   (sign in below; the TOTP code comes from the secret)")
        say(f"API:        {stack.gateway.url}   (Cognito-authenticated, like API Gateway)")
        say(
            f"Demo login: demo@sellerflow.local / {DEMO_PASSWORD}  (TOTP secret "
            f"{stack.users['demo@sellerflow.local'].totp_secret}; owner1..owner{len(reports)}@sellerflow.local "
            "own one seller each)"
        )
        say(f"Try:        curl -H 'Authorization: Bearer {token}' {stack.gateway.url}/sellers")
        say("The schedule keeps firing (time compressed); Ctrl-C stops everything.")
        stack.start_scheduler()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            say("stopping")
        return 0 if all_ok else 1
    finally:
        stack.stop()


def _verify_settlements(stack: LocalStack, sync_started: datetime, say: Callable[[str], None]) -> bool:
    """Per seller, the settlements stored against the simulator's (V2 documents, each read in its own
    currency's format): `verified settlements <seller> stored=.. source=.. lines=..`."""
    from sellerflow import wiring
    from sellerflow.sync.reports import ReportPolicy

    # The sync lists settlements created since its own start less the policy's window; an hour of
    # margin keeps one created at that very edge from counting as missing.
    listed_since = sync_started - ReportPolicy().settlements_since + timedelta(hours=1)
    facts = wiring.fact_store()
    all_ok = True
    for seller in stack.world.sellers:
        stored = facts.settlements(seller.seller_id)
        lines = {s.settlement_id: facts.settlement_lines(seller.seller_id, s.settlement_id) for s in stored}
        check = verify_settlements(
            seller.seller_id, stored, lines, stack.world.settlements(seller.seller_id), listed_since
        )
        all_ok = all_ok and check.ok
        verdict = "verified" if check.ok else "MISMATCH"
        say(
            f"{verdict} settlements {seller.seller_id} stored={check.stored} source={check.source} "
            f"lines={check.lines}"
            + (
                ""
                if check.ok
                else f" missing={len(check.missing)} unexpected={len(check.unexpected)} "
                f"different={len(check.different)}"
            )
        )
    return all_ok


def _verify_tenant_isolation(stack: LocalStack, say: Callable[[str], None]) -> bool:
    """Every call made on a seller's tenant session so far passed the tenant role's policy, and a read
    of another seller's order while acting for one seller is refused by that policy:
    `verified tenant_isolation <seller> checked=.. denied=0 cross_seller_read=refused`."""
    from pynamodb.exceptions import PynamoDBException

    from sellerflow import wiring
    from sellerflow.tenancy import acting_for

    check = stack.tenant_policy
    own, other = stack.world.sellers[0].seller_id, stack.world.sellers[1].seller_id
    if check is None:
        say(f"MISMATCH tenant_isolation {own} no tenant data role")
        return False
    denied_before, checked = len(check.denied), check.checked
    victim = next(iter(wiring.order_store().all_for_seller(other)))
    try:
        with acting_for(own):
            wiring.order_store().get(other, victim.order_id)
        outcome = "read"
    except PynamoDBException as exc:
        outcome = "refused" if exc.cause_response_code == "AccessDeniedException" else "failed"
    ok = checked > 0 and denied_before == 0 and outcome == "refused"
    say(
        f"{'verified' if ok else 'MISMATCH'} tenant_isolation {own} checked={checked} "
        f"denied={denied_before} cross_seller_read={outcome}"
    )
    return ok


def _verify_cost_import(stack: LocalStack, say: Callable[[str], None]) -> bool:
    """The costs editor's import through the gateway, as the dashboard sends it: the three best-selling
    SKUs of seller 1 get a unit cost (a third of their average price). A preview with a bad row names
    it and stores nothing, an apply with it is refused whole, the good rows are stored together:
    `verified cost_import <seller> rows=3 stored=3 bad_row=named refused_apply=nothing_stored`. (The
    demo's sellers then have some SKUs with a cost and many without, as a real one would.)"""
    import httpx

    assert stack.gateway is not None
    seller = stack.world.sellers[0].seller_id
    url = f"{stack.gateway.url}/sellers/{seller}"
    headers = {"authorization": f"Bearer {stack.id_token('demo@sellerflow.local')}"}
    rows = httpx.get(f"{url}/analytics/skus", headers=headers, timeout=60).json()["skus"]
    sold = [r for r in rows if r["row_type"] == "sku" and r["units"] > 0][:3]
    since = (datetime.now(UTC) - timedelta(days=60)).date().isoformat()
    good = [
        {
            "sku": r["sku"],
            "unit_cost": str(
                (Decimal(r["gross_sales"]["amount"]) / r["units"] / 3).quantize(Decimal("0.01"))
            ),
            "currency": r["currency"],
            "effective_from": since,
        }
        for r in sold
    ]
    bad = {**good[0], "sku": good[0]["sku"] + "-X", "unit_cost": "-1"} if good else {}

    def post(entries: list[dict[str, str]], dry_run: bool) -> httpx.Response:
        body = {"entries": entries, "dry_run": dry_run}
        return httpx.post(f"{url}/cogs", headers=headers, json=body, timeout=60)

    def stored() -> set[tuple[str, str, str]]:
        listed = httpx.get(f"{url}/cogs", headers=headers, timeout=60).json()["cogs"]
        return {(c["sku"], c["unit_cost"]["amount"], c["unit_cost"]["currency"]) for c in listed}

    before = stored()
    preview = post([*good, bad], dry_run=True).json() if good else {"errors": []}
    named = [e["row"] for e in preview["errors"]] == [len(good) + 1]
    refused = post([*good, bad], dry_run=False).status_code == 400 if good else False
    untouched = stored() == before
    applied = post(good, dry_run=False).json() if good else {"stored": 0}
    sent = {(g["sku"], str(Decimal(g["unit_cost"])), g["currency"]) for g in good}
    ok = (
        bool(good) and named and refused and untouched and applied["stored"] == len(good) and sent <= stored()
    )
    say(
        f"{'verified' if ok else 'MISMATCH'} cost_import {seller} rows={len(good)} stored={applied['stored']} "
        f"bad_row={'named' if named else 'missed'} "
        f"refused_apply={'nothing_stored' if refused and untouched else 'partly_stored'}"
    )
    return ok


def _push_orders_changed(stack: LocalStack, say: Callable[[str], None]) -> bool:
    """Amazon moves on after the sync: orders placed and shipped reach Sellerflow by notification
    alone (no sync runs again before the orders are verified below)."""
    changes = stack.world.advance(10)
    changed = sum(len(ids) for key in ("created", "updated") for ids in changes[key].values())
    say(f"Amazon moves on 10 minutes: {changed} orders placed or changed; notifications → queue → apply ...")
    drained = stack.wait_for_notifications(timeout_s=90)
    if not drained:
        say("  notifications still queued after 90s")
    return drained


def _verify_notifications(stack: LocalStack, say: Callable[[str], None]) -> bool:
    from sellerflow.store.notifications import SubscriptionStore
    from sellerflow.wiring.notifications import notification_ledger

    stack.wait_for_notifications(timeout_s=60)
    all_ok = True
    for seller in stack.world.sellers:
        check = verify_notifications(
            seller.seller_id,
            stored_subscriptions=len(SubscriptionStore().subscriptions(seller.seller_id)),
            sim_stats=stack.simulator.notifications.stats(seller.seller_id),
            settled=notification_ledger().statuses(seller.seller_id),
        )
        all_ok = all_ok and check.ok
        say(check.line())
    return all_ok


def _progress(stack: LocalStack, done: threading.Event, say: object) -> None:
    assert callable(say)
    last = ""
    while not done.wait(1.0):
        from sellerflow import wiring

        counts = ", ".join(
            f"{s.seller_id}: {wiring.order_store().count(s.seller_id)}" for s in stack.world.sellers
        )
        if counts != last:
            say(f"  orders stored … {counts}")
            last = counts


def _set_up_demo_alerts(stack: LocalStack) -> dict[str, str]:
    """Every alert rule on, no quiet hours (the demo runs at any hour), one WhatsApp number per seller."""
    from sellerflow import wiring
    from sellerflow.alerts.model import AlertRule, AlertRules, Recipient, default_rules
    from sellerflow.store.alerts import AlertStore

    wiring.settings()  # binds the tables
    store = AlertStore()
    numbers: dict[str, str] = {}
    for index, seller in enumerate(stack.world.sellers, start=1):
        defaults = default_rules(seller.marketplace_ids)
        rules = AlertRules(rules=tuple(AlertRule(kind=r.kind, quiet_hours=None) for r in defaults.rules))
        store.put_rules(seller.seller_id, rules)
        phone = f"+1555010{index:04d}"
        store.put_recipient(seller.seller_id, Recipient(phone=phone, opted_in=True))
        numbers[f"whatsapp:{phone}"] = seller.seller_id
    return numbers


def _print_alerts_sent(stack: LocalStack, numbers: dict[str, str], say: Callable[[str], None]) -> None:
    """The WhatsApp messages the Twilio stand-in received (the queue drains first)."""
    assert stack.resources is not None
    sqs = stack.session.client("sqs")
    url = stack.resources.queues.get("WhatsAppQueue")
    deadline = time.monotonic() + 60
    while url and time.monotonic() < deadline:
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        if not any(int(v) for v in attributes.values()):
            break
        time.sleep(0.3)
    twilio = stack.simulator.twilio
    kinds = {sid: kind for kind, sid in twilio.content_sids.items()}
    sent = twilio.sent()
    say(f"Alerts sent on WhatsApp (Twilio stand-in): {len(sent)}")
    for message in sent:
        variables = ", ".join(message["content_variables"].values())
        say(
            f"  {numbers.get(message['to'], '?'):<16} {kinds.get(message['content_sid'], '?'):<14} "
            f"{message['to']:<24} {message['sid'][:12]}… {variables}"
        )


def _verify_sales_traffic(stack: LocalStack, say: Callable[[str], None]) -> bool:
    """`verified sales_traffic <seller> source=<report|data_kiosk> days=N`: what was stored, from the
    source the app-wide budget chose, against the simulator's truth."""
    from sellerflow import wiring

    all_ok = True
    for seller in stack.world.sellers:
        states = ReportStore().all(seller.seller_id)
        today = stack.world.now.date()
        stored = wiring.fact_store().traffic_by_date(seller.seller_id, today - timedelta(days=60), today)
        truth = partial(stack.world.traffic, seller.seller_id)
        check = verify_sales_traffic(seller.seller_id, states, stored, truth)
        all_ok = all_ok and check.ok
        verdict = "verified" if check.ok else "MISMATCH"
        say(
            f"{verdict} sales_traffic {seller.seller_id} source={'+'.join(check.sources) or '-'} "
            f"days={check.days} matching={check.matching}"
            + (f" missing={','.join(check.missing)}" if check.missing else "")
        )
    return all_ok


def _verify_economics(stack: LocalStack, say: Callable[[str], None]) -> bool:
    """`verified economics <seller> skus=N days=N mismatches=0 rows=N/N`: what the sync's
    ReconcileEconomics step stored (Data Kiosk query → document → parse → reconcile against the SKU
    rollups), one check per marketplace; the simulator's own row count for each stored range proves
    the whole document was read."""
    from datetime import date
    from decimal import Decimal

    from sellerflow.store.economics import EconomicsMismatchStore
    from sellerflow.sync.economics import EconomicsCheck, Mismatch

    all_ok = True
    for seller in stack.world.sellers:
        checks, truth_rows = [], 0
        for stored in EconomicsMismatchStore().all(seller.seller_id):
            first, last, marketplace_id = stored["range"].split("#")
            span = (date.fromisoformat(first), date.fromisoformat(last))
            mismatches = [
                Mismatch(
                    m["field"], marketplace_id, m["sku"], date.fromisoformat(m["day"]), m["currency"],
                    Decimal(m["amazon"]), Decimal(m["ours"]),
                )
                for m in stored["mismatches"]
            ]  # fmt: skip
            read = stored["read"]
            checks.append(
                EconomicsCheck(
                    seller.seller_id, marketplace_id, *span, amazon_rows=read["amazon_rows"],
                    our_rows=read["our_rows"], rejected=read["rejected"], skus=read["skus"],
                    mismatches=mismatches,
                )
            )  # fmt: skip
            truth_rows += len(stack.world.economics(seller.seller_id, marketplace_id, *span))
        checked = {c.marketplace_id for c in checks}
        check = verify_economics(seller.seller_id, checks, truth_rows)
        missing = sorted(set(seller.marketplace_ids) - checked)
        all_ok = all_ok and check.ok and not missing
        say(
            check.line()
            if not missing
            else f"MISMATCH economics {seller.seller_id} unchecked={','.join(missing)}"
        )
    return all_ok
