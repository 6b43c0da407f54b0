"""Which order to ask a review for, and when (`sellerflow.solicitations.rules`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from sellerflow.domain import Order
from sellerflow.solicitations.model import ReviewRequestSettings, SkipReason
from sellerflow.solicitations.rules import FALLBACK_TRANSIT, Verdict, decide, delivery_estimate

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def order(status: str = "SHIPPED", *, age_days: float = 20, deliver_after_days: float | None = 5) -> Order:
    created = NOW - timedelta(days=age_days)
    return Order(
        seller_id="A1SELLER0001",
        order_id="111-0000001-0000001",
        marketplace_id="ATVPDKIKX0DER",
        created_time=created,
        last_updated_time=created,
        local_date=created.date(),
        status=status,
        deliver_by=created + timedelta(days=deliver_after_days) if deliver_after_days is not None else None,
    )


ON = ReviewRequestSettings(enabled=True, delay_days=7)


def test_the_setting_is_off_by_default_and_the_delay_stays_in_amazons_window() -> None:
    assert ReviewRequestSettings() == ReviewRequestSettings(enabled=False, delay_days=7)
    for bad in (4, 31, 0):
        with pytest.raises(ValidationError):
            ReviewRequestSettings(enabled=True, delay_days=bad)


def test_a_shipped_order_is_asked_once_the_delay_after_its_promised_delivery_has_passed() -> None:
    # promised delivery 15 days ago: 7 days have passed
    assert decide(order(age_days=20), ON, refunded=False, now=NOW).verdict is Verdict.ASK
    # promised delivery 3 days ago: wait
    assert decide(order(age_days=8), ON, refunded=False, now=NOW).verdict is Verdict.WAIT


def test_cancelled_refunded_and_late_orders_are_skipped_with_their_reason() -> None:
    assert decide(order("CANCELLED"), ON, refunded=False, now=NOW).reason is SkipReason.CANCELLED
    assert decide(order(), ON, refunded=True, now=NOW).reason is SkipReason.REFUNDED
    late = decide(order(age_days=40), ON, refunded=False, now=NOW)
    assert (late.verdict, late.reason) == (Verdict.SKIP, SkipReason.WINDOW_PASSED)


def test_an_order_not_shipped_waits_and_one_without_a_promise_falls_back_to_purchase_plus_transit() -> None:
    assert decide(order("UNSHIPPED"), ON, refunded=False, now=NOW).verdict is Verdict.WAIT
    bare = order(deliver_after_days=None)
    assert delivery_estimate(bare) == bare.created_time + FALLBACK_TRANSIT


@given(
    age_days=st.floats(min_value=0, max_value=80),
    promise_days=st.floats(min_value=1, max_value=20),
    delay=st.integers(min_value=5, max_value=30),
    real_delivery_early_days=st.floats(min_value=0, max_value=5),
)
def test_an_order_asked_is_always_inside_amazons_window_on_the_promise(
    age_days: float, promise_days: float, delay: int, real_delivery_early_days: float
) -> None:
    """Whenever the rule says ask: at least `delay` (≥ 5) days after the real delivery (which is no later
    than the promise), and no more than 30 days after the promised one."""
    o = order(age_days=age_days, deliver_after_days=promise_days)
    decision = decide(o, ReviewRequestSettings(enabled=True, delay_days=delay), refunded=False, now=NOW)
    assert o.deliver_by is not None
    real_delivery = o.deliver_by - timedelta(days=min(real_delivery_early_days, promise_days))
    if decision.verdict is Verdict.ASK:
        assert NOW - real_delivery >= timedelta(days=5)
        assert NOW - o.deliver_by <= timedelta(days=30)
    elif decision.verdict is Verdict.SKIP:
        assert NOW - o.deliver_by > timedelta(days=30)
    else:
        assert NOW - o.deliver_by < timedelta(days=delay)
