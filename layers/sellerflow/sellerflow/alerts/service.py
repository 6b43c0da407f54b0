"""Evaluation: gather a seller's inputs, run the rules, de-duplicate, hold in quiet hours, publish.

De-duplication is a conditional put of the alert's ALERT# item before anything is published: the
same (seller, kind, scope, period) is claimed once, so evaluating twice (a retried task, a second
sync the same day) publishes nothing new. An alert due in quiet hours is stored `held` and goes out
at the first evaluation after they end (never lost, never twice: releasing it is a conditional
update too). A publish that failed leaves a `publishing` claim that a later evaluation retries once
it is stale; the WhatsApp sender is idempotent per (alert, number), so a retried publish never
sends a message twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from sellerflow.alerts.content import AlertKind
from sellerflow.alerts.model import Alert, AlertMessage, AlertRules, AlertStatus
from sellerflow.alerts.rules import AuthorizationInput, EvaluationInput, evaluate
from sellerflow.analytics.inventory import VELOCITY_WINDOW_DAYS
from sellerflow.analytics.model import DayRollup, RestockSettings, SkuRollup
from sellerflow.calendar import local_today
from sellerflow.domain import SellerProfile, SellerStatus, SyncState
from sellerflow.facts import InventoryFact
from sellerflow.marketplaces import MARKETPLACES
from sellerflow.observability import logger

STALE_CLAIM = timedelta(minutes=5)
DAY_HISTORY = 9  # yesterday, the same weekday a week before, and the 7 days before yesterday


# --- ports -----------------------------------------------------------------------------------------
class RuleSource(Protocol):
    def rules(self, seller_id: str, marketplace_ids: Iterable[str]) -> AlertRules: ...


class AlertLedger(Protocol):
    def claim(self, alert: Alert, status: AlertStatus, *, now: datetime | None = None) -> bool: ...

    def reclaim(
        self, seller_id: str, alert_id: str, *, status: AlertStatus, claimed_at: datetime | None,
        now: datetime | None = None,
    ) -> bool: ...  # fmt: skip

    def mark_published(self, seller_id: str, alert_id: str, *, now: datetime | None = None) -> None: ...

    def pending(self, seller_id: str) -> list[tuple[Alert, AlertStatus, datetime | None]]: ...


class Publisher(Protocol):
    def publish(self, message: AlertMessage) -> str: ...


class ProfileReader(Protocol):
    def get_profile(self, seller_id: str) -> SellerProfile: ...

    def sync_state(self, seller_id: str, source: str = "orders") -> SyncState: ...


class RollupReader(Protocol):
    def days(
        self, seller_id: str, first: date, last: date, *, marketplace_id: str | None = None
    ) -> list[DayRollup]: ...

    def skus(
        self, seller_id: str, first: date, last: date, *, marketplace_id: str | None = None
    ) -> list[SkuRollup]: ...


class InventoryReader(Protocol):
    def inventory(self, seller_id: str, marketplace_id: str | None = None) -> list[InventoryFact]: ...


class RestockReader(Protocol):
    """The inventory's restock settings (lead time and safety days), None until the seller saves them."""

    def saved_restock_settings(self, seller_id: str) -> RestockSettings | None: ...


class UnansweredThreads(Protocol):
    """When each of the seller's open buyer-message threads is due (no text, no buyer)."""

    def due_times(self, seller_id: str) -> list[datetime]: ...


class AuthorizationReader(Protocol):
    def authorization(
        self, profile: SellerProfile, now: datetime, warning_days: int
    ) -> AuthorizationInput: ...


class ProfileAuthorization:
    """The authorization as the profile tells it: revoked or not (no expiry known)."""

    def authorization(
        self,
        profile: SellerProfile,
        now: datetime,  # noqa: ARG002 - AuthorizationReader: no expiry is known to warn of
        warning_days: int,  # noqa: ARG002
    ) -> AuthorizationInput:
        return AuthorizationInput(revoked=profile.status is SellerStatus.REVOKED)


# --- inputs ----------------------------------------------------------------------------------------
@dataclass
class StoreInputs:
    """Reads what the rules need from the stores: rollups, inventory, sync state, authorization."""

    sellers: ProfileReader
    rules: RuleSource
    rollups: RollupReader
    inventory: InventoryReader
    authorizations: AuthorizationReader
    threads: UnansweredThreads | None = None
    restock: RestockReader | None = None

    def gather(self, seller_id: str, now: datetime, *, sync_failed: bool) -> EvaluationInput:
        profile = self.sellers.get_profile(seller_id)
        marketplaces = tuple(m for m in profile.marketplace_ids if m in MARKETPLACES)
        rules = self.rules.rules(seller_id, marketplaces)
        state = self.sellers.sync_state(seller_id)
        auth_rule = rules.rule(AlertKind.AUTHORIZATION)
        authorization = self.authorizations.authorization(profile, now, auth_rule.thresholds.expiry_days)
        days: list[DayRollup] = []
        skus: list[SkuRollup] = []
        stock: list[InventoryFact] = []
        restock: RestockSettings | None = None
        if marketplaces and not sync_failed:
            today = {m: local_today(m, now) for m in marketplaces}
            first = min(today.values())
            last = max(today.values())
            days = self.rollups.days(seller_id, first - timedelta(days=DAY_HISTORY), last)
            skus = [
                s
                for s in self.rollups.skus(seller_id, first - timedelta(days=VELOCITY_WINDOW_DAYS), last)
                if s.marketplace_id in today
                and today[s.marketplace_id] - timedelta(days=VELOCITY_WINDOW_DAYS)
                <= s.day
                < today[s.marketplace_id]
            ]
            stock = [i for i in self.inventory.inventory(seller_id) if i.marketplace_id in today]
            if stock and self.restock is not None:
                restock = self.restock.saved_restock_settings(seller_id)
        return EvaluationInput(
            seller_id=seller_id,
            now=now,
            marketplace_ids=marketplaces,
            rules=rules,
            day_rollups=days,
            sku_rollups=skus,
            inventory=stock,
            authorization=authorization,
            consecutive_failures=state.consecutive_failures,
            last_run_at=state.last_run_at,
            sync_failed=sync_failed,
            unanswered_due=self.threads.due_times(seller_id) if self.threads is not None else (),
            restock=restock,
        )


class EvaluationOutcome(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    seller_id: str
    found: int
    published: int
    held: int
    duplicates: int
    released: int
    kinds: list[str]


# --- evaluation ------------------------------------------------------------------------------------
def evaluate_and_publish(
    data: EvaluationInput,
    *,
    ledger: AlertLedger,
    publisher: Publisher,
    stale_after: timedelta = STALE_CLAIM,
) -> EvaluationOutcome:
    now = data.now
    alerts = evaluate(data)
    published = held = duplicates = released = 0
    done: set[str] = set()
    for alert in alerts:
        rule = data.rules.rule(alert.kind)
        quiet = rule.quiet_hours is not None and rule.quiet_hours.contains(now)
        if not ledger.claim(alert, AlertStatus.HELD if quiet else AlertStatus.PUBLISHING, now=now):
            duplicates += 1
            continue
        done.add(alert.alert_id)
        if quiet:
            held += 1
            continue
        _publish(alert, ledger, publisher, now)
        published += 1
    released = _release(data, ledger, publisher, done, stale_after)
    logger.info(
        "alerts evaluated",
        extra={
            "seller_id": data.seller_id,
            "found": len(alerts),
            "published": published,
            "held": held,
            "duplicates": duplicates,
            "released": released,
        },
    )
    return EvaluationOutcome(
        seller_id=data.seller_id,
        found=len(alerts),
        published=published,
        held=held,
        duplicates=duplicates,
        released=released,
        kinds=sorted({a.kind.value for a in alerts}),
    )


def _publish(alert: Alert, ledger: AlertLedger, publisher: Publisher, now: datetime) -> None:
    publisher.publish(AlertMessage.of(alert))
    ledger.mark_published(alert.seller_id, alert.alert_id, now=now)


def _release(
    data: EvaluationInput, ledger: AlertLedger, publisher: Publisher, done: set[str], stale_after: timedelta
) -> int:
    """Publish held alerts whose quiet hours are over, and retry stale publishing claims."""
    released = 0
    for alert, status, claimed_at in ledger.pending(data.seller_id):
        if alert.alert_id in done:
            continue
        rule = data.rules.rule(alert.kind)
        if not rule.enabled or not rule.channels:
            continue
        if status is AlertStatus.HELD:
            if rule.quiet_hours is not None and rule.quiet_hours.contains(data.now):
                continue
            won = ledger.reclaim(data.seller_id, alert.alert_id, status=status, claimed_at=None, now=data.now)
        elif claimed_at is not None and data.now - claimed_at >= stale_after:
            won = ledger.reclaim(
                data.seller_id, alert.alert_id, status=status, claimed_at=claimed_at, now=data.now
            )
        else:
            continue
        if won:
            _publish(alert.model_copy(update={"channels": rule.channels}), ledger, publisher, data.now)
            released += 1
    return released
