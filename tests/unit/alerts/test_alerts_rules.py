"""The alert rules, quiet hours, de-duplication, content rule and the sender's opt-out (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from sellerflow.alerts.content import AlertKind, DailySalesContent, LowStockContent
from sellerflow.alerts.delivery import deliver
from sellerflow.alerts.model import (
    AlertMessage,
    AlertRule,
    AlertRules,
    AlertStatus,
    Channel,
    DeliveryStatus,
    QuietHours,
    Recipient,
    SentMessage,
    Thresholds,
    alert_id_of,
    default_rules,
)
from sellerflow.alerts.rules import AuthorizationInput, EvaluationInput, evaluate
from sellerflow.alerts.service import evaluate_and_publish
from sellerflow.analytics.model import DayRollup, LeadTimes, RestockSettings, SkuRollup
from sellerflow.errors import AlertDeliveryFailed, WhatsAppRecipientOptedOut, WhatsAppTemporaryFailure
from sellerflow.facts import InventoryFact

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 08:00 in Los Angeles, 16:00 in Berlin


def _rules(*rules: AlertRule) -> AlertRules:
    given = {r.kind: r for r in rules}
    return AlertRules(rules=tuple(given.get(k, AlertRule(kind=k, enabled=False)) for k in AlertKind))


def _day(m: str, d: date, **kw: object) -> DayRollup:
    return DayRollup(seller_id="S1", marketplace_id=m, day=d, currency="USD" if m == US else "EUR", **kw)  # type: ignore[arg-type]


def _input(rules: AlertRules, **kw: object) -> EvaluationInput:
    return EvaluationInput(seller_id="S1", now=NOW, marketplace_ids=(US, DE), rules=rules, **kw)  # type: ignore[arg-type]


# --- daily_sales ----------------------------------------------------------------------------------
def test_daily_sales_summarises_each_marketplaces_closed_day_against_the_same_weekday_last_week() -> None:
    y = date(2026, 3, 9)
    rollups = [
        _day(US, y, orders=3, units=5, gross_sales=Decimal("150.00")),
        _day(US, y - timedelta(days=7), gross_sales=Decimal("100.00")),
    ]
    alerts = evaluate(_input(_rules(AlertRule(kind=AlertKind.DAILY_SALES)), day_rollups=rollups))
    by_scope = {a.scope: a for a in alerts}
    assert set(by_scope) == {US, DE}
    us = by_scope[US].content
    assert isinstance(us, DailySalesContent)
    assert (us.day, us.orders, us.units, us.sales, us.sales_change_pct) == (
        y,
        3,
        5,
        Decimal("150.00"),
        Decimal("50.00"),
    )
    assert by_scope[US].period == "2026-03-09"


def test_daily_sales_uses_each_marketplaces_own_day() -> None:
    late = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # already the 11th in Berlin, still the 10th in LA
    data = EvaluationInput(
        seller_id="S1",
        now=late,
        marketplace_ids=(US, DE),
        rules=_rules(AlertRule(kind=AlertKind.DAILY_SALES)),
    )
    periods = {a.scope: a.period for a in evaluate(data)}
    assert periods == {US: "2026-03-09", DE: "2026-03-10"}


def test_marketplace_scope_limits_a_rule() -> None:
    rule = AlertRule(kind=AlertKind.DAILY_SALES, marketplace_ids=(DE,))
    assert [a.scope for a in evaluate(_input(_rules(rule)))] == [DE]


# --- low_stock ------------------------------------------------------------------------------------
def _stock(sku: str, fulfillable: int, inbound: int = 0) -> InventoryFact:
    return InventoryFact(
        seller_id="S1", marketplace_id=US, sku=sku, asin="B0ABCDEFGH", fnsku=None, condition=None,
        fulfillable=fulfillable, inbound_working=0, inbound_shipped=inbound, inbound_receiving=0, reserved=0,
        unfulfillable=0, as_of=NOW,
    )  # fmt: skip


def _sold(sku: str, units: int) -> SkuRollup:
    return SkuRollup(
        seller_id="S1", marketplace_id=US, day=date(2026, 3, 1), sku=sku, currency="USD", units=units
    )


def test_low_stock_alerts_skus_whose_cover_is_below_lead_time_plus_safety_days() -> None:
    rule = AlertRule(kind=AlertKind.LOW_STOCK, thresholds=Thresholds(lead_time_days=10, safety_days=5))
    data = _input(
        _rules(rule),
        inventory=[_stock("LOW-1", 10), _stock("OK-1", 1000), _stock("IDLE-1", 5)],
        sku_rollups=[_sold("LOW-1", 30), _sold("OK-1", 30)],  # 1 unit/day: 10 and 1000 days of cover
    )
    alerts = evaluate(data)
    assert [a.scope for a in alerts] == [f"{US}#LOW-1"]
    content = alerts[0].content
    assert isinstance(content, LowStockContent)
    assert (content.days_of_cover, content.threshold_days, content.asin) == (
        Decimal("10.0"),
        15,
        "B0ABCDEFGH",
    )


def test_low_stock_reads_the_inventorys_restock_settings_once_the_seller_saved_them() -> None:
    rule = AlertRule(kind=AlertKind.LOW_STOCK, thresholds=Thresholds(lead_time_days=10, safety_days=5))
    inventory = [_stock("OWN-1", 20), _stock("DEF-1", 20), _stock("FAST-1", 40)]
    sold = [_sold("OWN-1", 30), _sold("DEF-1", 30), _sold("FAST-1", 30)]  # 1 unit/day each
    without = evaluate(_input(_rules(rule), inventory=inventory, sku_rollups=sold))
    assert without == []  # 20 and 40 days of cover against the rule's 10 + 5
    restock = RestockSettings(
        default=LeadTimes(lead_time_days=20, safety_days=5),  # 25 days: DEF-1 is low, FAST-1 is not
        skus={"OWN-1": LeadTimes(lead_time_days=5, safety_days=2)},  # 7 days: OWN-1 is not low
    )
    alerts = evaluate(_input(_rules(rule), inventory=inventory, sku_rollups=sold, restock=restock))
    assert [a.scope for a in alerts] == [f"{US}#DEF-1"]
    content = alerts[0].content
    assert isinstance(content, LowStockContent)
    assert (content.days_of_cover, content.threshold_days) == (Decimal("20.0"), 25)


def test_an_out_of_stock_sku_alerts_as_out_of_stock_whatever_is_inbound() -> None:
    rule = AlertRule(kind=AlertKind.LOW_STOCK, thresholds=Thresholds(lead_time_days=10, safety_days=5))
    data = _input(
        _rules(rule),
        inventory=[
            _stock("SELLING-1", 0, inbound=1900),  # sells 1/day: inbound would be 1,900 days of cover
            _stock("NEW-1", 0, inbound=50),  # no sales yet, stock on the way
            _stock("DEAD-1", 0),  # no sales, nothing inbound: nothing to act on
            _stock("LOW-1", 5),
        ],
        sku_rollups=[_sold("SELLING-1", 30), _sold("LOW-1", 30)],
    )
    alerts = evaluate(data)
    assert [a.scope for a in alerts] == [f"{US}#SELLING-1", f"{US}#NEW-1", f"{US}#LOW-1"]
    covers = {}
    for a in alerts:
        assert isinstance(a.content, LowStockContent)
        covers[a.content.sku] = (a.content.fulfillable, a.content.inbound, a.content.days_of_cover)
    assert covers == {
        "SELLING-1": (0, 1900, Decimal(0)),
        "NEW-1": (0, 50, Decimal(0)),
        "LOW-1": (5, 0, Decimal("5.0")),
    }


# --- acos_jump ------------------------------------------------------------------------------------
def test_acos_jump_compares_yesterday_with_the_trailing_seven_days() -> None:
    y = date(2026, 3, 9)
    trailing = [
        _day(US, y - timedelta(days=n), ad_spend=Decimal(20), ad_sales=Decimal(100)) for n in range(1, 8)
    ]
    rule = AlertRule(kind=AlertKind.ACOS_JUMP, thresholds=Thresholds(increase_pct=Decimal(25)))
    calm = _day(US, y, ad_spend=Decimal(24), ad_sales=Decimal(100))  # 24 % vs 20 %: +20 %
    jump = _day(US, y, ad_spend=Decimal(30), ad_sales=Decimal(100))  # 30 % vs 20 %: +50 %
    assert evaluate(_input(_rules(rule), day_rollups=[*trailing, calm])) == []
    (alert,) = evaluate(_input(_rules(rule), day_rollups=[*trailing, jump]))
    assert alert.content.increase_pct == Decimal("50.00")  # type: ignore[union-attr]


# --- authorization and sync_failing ---------------------------------------------------------------
def test_authorization_revoked_and_expiring() -> None:
    rule = AlertRule(kind=AlertKind.AUTHORIZATION, thresholds=Thresholds(expiry_days=14))
    revoked = evaluate(_input(_rules(rule), authorization=AuthorizationInput(revoked=True)))
    assert [a.period for a in revoked] == ["revoked-2026-03-10"]
    soon = evaluate(
        _input(
            _rules(rule), authorization=AuthorizationInput(revoked=False, expires_at=NOW + timedelta(days=5))
        )
    )
    assert [a.period for a in soon] == ["expires-2026-03-15"]
    later = AuthorizationInput(revoked=False, expires_at=NOW + timedelta(days=60))
    assert evaluate(_input(_rules(rule), authorization=later)) == []


def test_sync_failing_needs_n_consecutive_failures_and_runs_on_the_failure_path() -> None:
    rule = AlertRule(kind=AlertKind.SYNC_FAILING, thresholds=Thresholds(consecutive_failures=3))
    daily = AlertRule(kind=AlertKind.DAILY_SALES)
    assert evaluate(_input(_rules(rule), consecutive_failures=2, sync_failed=True)) == []
    alerts = evaluate(_input(_rules(rule, daily), consecutive_failures=3, sync_failed=True))
    assert [a.kind for a in alerts] == [AlertKind.SYNC_FAILING]  # no sales summary from a failed sync


# --- quiet hours ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "zone", "instant", "quiet"),
    [
        (time(22), time(7), "Europe/Berlin", datetime(2026, 3, 10, 22, 30, tzinfo=UTC), True),  # 23:30 Berlin
        (time(22), time(7), "Europe/Berlin", datetime(2026, 3, 10, 6, 30, tzinfo=UTC), False),  # 07:30 Berlin
        (
            time(22),
            time(7),
            "America/Los_Angeles",
            datetime(2026, 3, 10, 6, 30, tzinfo=UTC),
            True,
        ),  # 23:30 LA
        (time(9), time(17), "UTC", datetime(2026, 3, 10, 17, 0, tzinfo=UTC), False),  # end is exclusive
        (time(9), time(9), "UTC", datetime(2026, 3, 10, 9, 0, tzinfo=UTC), False),  # start == end: never
    ],
)
def test_quiet_hours_in_their_own_time_zone(
    start: time, end: time, zone: str, instant: datetime, quiet: bool
) -> None:
    assert QuietHours(start=start, end=end, timezone=zone).contains(instant) is quiet


def test_quiet_hours_need_an_iana_zone() -> None:
    with pytest.raises(ValidationError):
        QuietHours(start=time(22), end=time(7), timezone="CET+1")


def test_new_sellers_get_every_rule_with_quiet_nights_in_their_marketplace_zone() -> None:
    rules = default_rules((DE, US))
    assert {r.kind for r in rules.rules} == set(AlertKind)
    assert all(r.enabled and r.quiet_hours and r.quiet_hours.timezone == "Europe/Berlin" for r in rules.rules)


# --- de-duplication, holding, publishing ----------------------------------------------------------
def test_the_dedupe_key_is_seller_kind_scope_and_period() -> None:
    key = alert_id_of("S1", AlertKind.DAILY_SALES, US, "2026-03-09")
    assert key == alert_id_of("S1", AlertKind.DAILY_SALES, US, "2026-03-09")
    for other in (
        alert_id_of("S2", AlertKind.DAILY_SALES, US, "2026-03-09"),
        alert_id_of("S1", AlertKind.ACOS_JUMP, US, "2026-03-09"),
        alert_id_of("S1", AlertKind.DAILY_SALES, DE, "2026-03-09"),
        alert_id_of("S1", AlertKind.DAILY_SALES, US, "2026-03-10"),
    ):
        assert other != key


class FakeLedger:
    def __init__(self) -> None:
        self.items: dict[str, tuple[object, AlertStatus, datetime | None]] = {}

    def claim(self, alert: object, status: AlertStatus, *, now: datetime | None = None) -> bool:
        key = alert.alert_id  # type: ignore[attr-defined]
        if key in self.items:
            return False
        self.items[key] = (alert, status, now)
        return True

    def reclaim(
        self,
        seller_id: str,
        alert_id: str,
        *,
        status: AlertStatus,
        claimed_at: datetime | None,
        now: datetime | None = None,
    ) -> bool:
        alert, current, _ = self.items[alert_id]
        if current is not status:
            return False
        self.items[alert_id] = (alert, AlertStatus.PUBLISHING, now)
        return True

    def mark_published(self, seller_id: str, alert_id: str, *, now: datetime | None = None) -> None:
        alert, _, claimed = self.items[alert_id]
        self.items[alert_id] = (alert, AlertStatus.PUBLISHED, claimed)

    def pending(self, seller_id: str) -> list:  # type: ignore[type-arg]
        return [(a, s, c) for a, s, c in self.items.values() if s is not AlertStatus.PUBLISHED]


class FakeTopic:
    def __init__(self) -> None:
        self.sent: list[AlertMessage] = []

    def publish(self, message: AlertMessage) -> str:
        self.sent.append(message)
        return "m"


def test_an_alert_is_published_once_however_often_the_rules_are_evaluated() -> None:
    ledger, topic = FakeLedger(), FakeTopic()
    data = _input(_rules(AlertRule(kind=AlertKind.DAILY_SALES)))
    first = evaluate_and_publish(data, ledger=ledger, publisher=topic)
    second = evaluate_and_publish(data, ledger=ledger, publisher=topic)
    assert (first.published, second.published, second.duplicates) == (2, 0, 2)
    assert len(topic.sent) == 2


def test_an_alert_due_in_quiet_hours_waits_and_goes_at_the_first_evaluation_after() -> None:
    ledger, topic = FakeLedger(), FakeTopic()
    quiet = QuietHours(start=time(14), end=time(16), timezone="UTC")
    rule = AlertRule(kind=AlertKind.DAILY_SALES, marketplace_ids=(US,), quiet_hours=quiet)
    during = evaluate_and_publish(_input(_rules(rule)), ledger=ledger, publisher=topic)
    assert (during.held, topic.sent) == (1, [])
    later = EvaluationInput(
        seller_id="S1", now=NOW + timedelta(hours=2), marketplace_ids=(US, DE), rules=_rules(rule)
    )
    after = evaluate_and_publish(later, ledger=ledger, publisher=topic)
    again = evaluate_and_publish(later, ledger=ledger, publisher=topic)
    assert (after.released, again.released, len(topic.sent)) == (1, 0, 1)
    assert topic.sent[0].period == "2026-03-09"  # the held day's summary, not lost


# --- content rule -----------------------------------------------------------------------------------
def _daily(**overrides: object) -> dict[str, object]:
    return {
        "marketplace_id": US, "day": date(2026, 3, 9), "currency": "USD", "orders": 1, "units": 1,
        "sales": Decimal(1), "net_profit": Decimal(1), "last_week_sales": Decimal(1), "sales_change_pct": None,
        **overrides,
    }  # fmt: skip


@pytest.mark.parametrize(
    "overrides",
    [
        {"buyer_name": "Jane Doe"},  # no field for it
        {"currency": "Jane Doe"},
        {"marketplace_id": "Jane Doe, 1 Main St"},
        {"orders": "3"},  # strict: a number is a number
        {"sales": Decimal("NaN")},
    ],
)
def test_message_content_rejects_anything_but_figures_skus_asins_marketplaces_and_dates(
    overrides: dict[str, object],
) -> None:
    with pytest.raises(ValidationError):
        DailySalesContent.model_validate(_daily(**overrides))


@pytest.mark.parametrize("sku", ["Jane Doe", "pii-canary@marketplace.amazon.com", "a,b", "x" * 41])
def test_a_sku_cannot_carry_prose_or_an_address(sku: str) -> None:
    with pytest.raises(ValidationError):
        LowStockContent(
            marketplace_id=US,
            sku=sku,
            asin=None,
            fulfillable=0,
            inbound=0,
            days_of_cover=Decimal(1),
            threshold_days=37,
        )


def test_template_variables_are_numbered_in_field_order() -> None:
    content = DailySalesContent.model_validate(_daily())
    assert content.content_variables() == {
        "1": "Amazon.com", "2": "2026-03-09", "3": "USD", "4": "1", "5": "1", "6": "1", "7": "1", "8": "1", "9": "-",
    }  # fmt: skip


# --- delivery and opt-out -------------------------------------------------------------------------
class FakeDeliveries:
    def __init__(self, *recipients: Recipient) -> None:
        self.people = {r.phone: r for r in recipients}
        self.records: dict[tuple[str, str], DeliveryStatus] = {}

    def recipients(self, seller_id: str) -> list[Recipient]:
        return list(self.people.values())

    def claim_delivery(
        self, seller_id: str, alert_id: str, phone: str, *, now: datetime | None = None
    ) -> bool:
        status = self.records.get((alert_id, phone))
        if status not in (None, DeliveryStatus.FAILED):
            return False
        self.records[(alert_id, phone)] = DeliveryStatus.SENDING
        return True

    def record_delivery(
        self, seller_id: str, alert_id: str, phone: str, status: DeliveryStatus, **kw: object
    ) -> None:
        self.records[(alert_id, phone)] = status

    def mark_opted_out(self, seller_id: str, phone: str, *, reason: str, now: datetime | None = None) -> None:
        self.people[phone] = Recipient(phone=phone, opted_in=False, opted_out_at=NOW, opted_out_reason=reason)


class FakeTwilio:
    def __init__(self, unsubscribed: set[str] = frozenset(), failing: bool = False) -> None:  # type: ignore[assignment]
        self.unsubscribed, self.failing, self.sent = unsubscribed, failing, []  # type: ignore[var-annotated]

    def send(
        self, to: str, kind: AlertKind, variables: dict[str, str], *, seller_id: str = "", alert_id: str = ""
    ) -> SentMessage:
        if to in self.unsubscribed:
            raise WhatsAppRecipientOptedOut("unsubscribed", code=21610)
        if self.failing:
            raise WhatsAppTemporaryFailure("500")
        self.sent.append(to)
        return SentMessage(sid=f"SM{len(self.sent)}", status="queued")


def _message() -> AlertMessage:
    (alert,) = evaluate(_input(_rules(AlertRule(kind=AlertKind.DAILY_SALES, marketplace_ids=(US,)))))
    return AlertMessage.of(alert)


def test_opted_in_numbers_get_the_message_once_and_an_unsubscribed_number_is_opted_out_for_good() -> None:
    ledger = FakeDeliveries(
        Recipient(phone="+15550000001", opted_in=True),
        Recipient(phone="+15550000002", opted_in=True),
        Recipient(phone="+15550000003", opted_in=False),
    )
    twilio = FakeTwilio(unsubscribed={"+15550000002"})
    first = deliver(_message(), ledger=ledger, port=twilio, now=NOW)
    again = deliver(_message(), ledger=ledger, port=twilio, now=NOW)
    assert (first.sent, first.opted_out, again.sent, again.skipped) == (1, 1, 0, 1)
    assert twilio.sent == ["+15550000001"]
    assert not ledger.people["+15550000002"].reachable


def test_a_temporary_failure_is_raised_so_the_queue_retries_and_a_retry_sends() -> None:
    ledger = FakeDeliveries(Recipient(phone="+15550000001", opted_in=True))
    with pytest.raises(AlertDeliveryFailed):
        deliver(_message(), ledger=ledger, port=FakeTwilio(failing=True), now=NOW)
    assert deliver(_message(), ledger=ledger, port=FakeTwilio(), now=NOW).sent == 1


def test_an_sns_only_alert_is_not_sent_on_whatsapp() -> None:
    message = _message().model_copy(update={"channels": (Channel.SNS,)})
    twilio = FakeTwilio()
    assert (
        deliver(
            message,
            ledger=FakeDeliveries(Recipient(phone="+15550000001", opted_in=True)),
            port=twilio,
            now=NOW,
        ).skipped
        == 1
    )
    assert twilio.sent == []


# --- message_unanswered ------------------------------------------------------------------------------
def test_message_unanswered_counts_threads_nearing_24_hours_and_says_nothing_else() -> None:
    from sellerflow.alerts.rules import message_unanswered

    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    rule = AlertRule(kind=AlertKind.MESSAGE_UNANSWERED, thresholds=Thresholds(hours_left=4))
    due = [
        now + timedelta(hours=3, minutes=10),
        now + timedelta(hours=1),
        now + timedelta(hours=9),
        now - timedelta(hours=1),
    ]
    data = EvaluationInput(
        seller_id="A1", now=now, marketplace_ids=(), rules=AlertRules(rules=(rule,)), unanswered_due=due
    )
    [alert] = message_unanswered(data)
    assert alert.content.model_dump() == {"kind": "message_unanswered", "threads": 2, "hours_left": 1}
    assert alert.period == "due-2026-12-04T13"  # one alert per earliest due hour (de-duplicated)
    assert (
        message_unanswered(
            EvaluationInput(seller_id="A1", now=now, marketplace_ids=(), rules=AlertRules(rules=(rule,)))
        )
        == []
    )
