"""Billing for hosted deployments: trials, Stripe Checkout and Customer Portal, webhook events, usage.

What Stripe receives is the billing identity and nothing of Amazon's: a customer's name and email and
the plan's id (`PaymentProvider.create_customer`), Checkout and portal sessions naming that customer
and a Stripe price, and meter events carrying a count and the customer id. The seller id stays here:
Stripe's customer id is mapped back to the seller in Sellerflow's own billing table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sellerflow.billing import limits
from sellerflow.billing.limits import Countable, Feature, Usage
from sellerflow.billing.model import (
    BillingAccount,
    BillingNotice,
    PlanState,
    StateMachine,
    StripeEvent,
    effective_state,
    grace_ends_at,
    syncs,
)
from sellerflow.billing.plans import Plan, PlanCatalog, PlanLimits
from sellerflow.errors import BillingConflict, InvalidInput, UsageReportIncomplete
from sellerflow.observability import logger


class BillingAccounts(Protocol):
    def get(self, seller_id: str) -> BillingAccount | None: ...

    def put(self, account: BillingAccount) -> None: ...

    def seller_for_customer(self, customer_id: str) -> str | None: ...

    def link_customer(self, customer_id: str, seller_id: str) -> None: ...

    def all(self) -> list[BillingAccount]: ...


@dataclass(frozen=True)
class BillingIdentity:
    """Who pays: all Stripe learns about a customer."""

    name: str
    email: str


class PaymentProvider(Protocol):
    def create_customer(self, identity: BillingIdentity, plan_id: str) -> str: ...

    def checkout_session(
        self,
        *,
        customer_id: str,
        prices: Sequence[tuple[str, int | None]],  # (price id, quantity); None: a metered price
        trial_days: int,
        success_url: str,
        cancel_url: str,
    ) -> str: ...

    def portal_session(self, *, customer_id: str, return_url: str) -> str: ...

    def meter_event(self, *, event_name: str, customer_id: str, value: int, identifier: str) -> None: ...


class OwnerNotices(Protocol):
    def notify(self, notice: BillingNotice) -> None: ...


@dataclass(frozen=True)
class BillingView:
    """What the owners' billing screen shows."""

    seller_id: str
    plan: Plan
    limits: PlanLimits  # those that apply now (`BillingService.limits_plan`)
    state: PlanState
    stored_status: PlanState
    syncing: bool
    trial_ends_at: datetime | None
    current_period_end: datetime | None
    grace_ends_at: datetime | None
    usage: Usage | None
    has_customer: bool


@dataclass(frozen=True)
class EventOutcome:
    """What one webhook event did (returned to Stripe as JSON; never any seller data)."""

    event_id: str
    type: str
    applied: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "type": self.type, "applied": self.applied, "reason": self.reason}


def _utcnow() -> datetime:
    return datetime.now(UTC)


class BillingService:
    def __init__(
        self,
        *,
        accounts: BillingAccounts,
        provider: Callable[[], PaymentProvider],
        notices: OwnerNotices,
        catalog: PlanCatalog,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._accounts = accounts
        self._provider = provider  # built on first use: reading a plan needs no Stripe key
        self._notices = notices
        self.catalog = catalog
        self._machine = StateMachine(catalog)
        self._clock = clock

    # --- plans and state ---------------------------------------------------------------------------
    def account(self, seller_id: str) -> BillingAccount:
        """The seller's account; a seller seen for the first time starts the default plan's trial."""
        found = self._accounts.get(seller_id)
        if found is not None:
            return found
        started = BillingAccount.trial(seller_id, self.catalog.get(self.catalog.default_plan), self._clock())
        self._accounts.put(started)
        logger.info("billing trial started", extra={"plan": started.plan_id})
        return started

    def state(self, seller_id: str) -> PlanState:
        return self.state_of(self.account(seller_id))

    def state_of(self, account: BillingAccount) -> PlanState:
        return effective_state(account, self.catalog.get(account.plan_id), self._clock())

    def plan_of(self, seller_id: str) -> Plan:
        return self.catalog.get(self.account(seller_id).plan_id)

    def sync_allowed(self, seller_id: str) -> bool:
        """False for a read-only or cancelled account: the fanout leaves it out (nothing is deleted)."""
        return syncs(self.state(seller_id))

    def limits_of(self, seller_id: str) -> Plan:
        """The plan whose limits a sync applies: the account's (see `limits_plan`), or a new trial's for
        a seller without an account yet (read only: a sync task never starts a trial)."""
        return self.limits_plan(self._accounts.get(seller_id))

    def limits_plan(self, account: BillingAccount | None) -> Plan:
        """Whose limits apply: a trial without a subscription gets the catalog's `trial_limits` plan
        (when it names one), any other account its own plan's."""
        trial = account is None or (account.status is PlanState.TRIALING and account.subscription_id is None)
        if trial and self.catalog.trial_limits is not None:
            return self.catalog.get(self.catalog.trial_limits)
        return self.catalog.get(account.plan_id if account is not None else self.catalog.default_plan)

    # --- limits (`sellerflow.billing.gate.PlanGate`) -------------------------------------------------
    def require_writable(self, seller_id: str) -> None:
        limits.require_writable(self.state(seller_id))

    def require_room(
        self, seller_id: str, what: Countable, in_use: Callable[[], int], adding: int = 1
    ) -> None:
        account = self.account(seller_id)
        limits.require_writable(self.state_of(account))
        limits.require_room(self.limits_plan(account), what, in_use(), adding)

    def require_account_room(self, seller_id: str, owned_seller_ids: Callable[[], Sequence[str]]) -> None:
        """A user's next Amazon account counts against the most generous plan among the sellers it
        owns (a first account is always allowed: it starts its own trial; a reconnection adds none)."""
        owned = list(owned_seller_ids())
        if not owned or seller_id in owned:
            return
        plans = (self.limits_plan(self.account(seller_id)) for seller_id in owned)
        widest = max(plans, key=lambda p: p.limits.connected_accounts)
        limits.require_room(widest, Countable.CONNECTED_ACCOUNTS, len(owned))

    def require_feature(self, seller_id: str, feature: Feature | str) -> None:
        """E.g. `require_feature(seller_id, "messages")` before buyer messaging is used."""
        wanted = Feature.named(feature)
        account = self.account(seller_id)
        limits.require_writable(self.state_of(account))
        limits.require_feature(self.limits_plan(account), wanted)

    def history_start(self, seller_id: str, today: date) -> date | None:
        return limits.history_start(self.limits_plan(self.account(seller_id)), today)

    def tick_gate(self) -> TickSyncGate:
        """`sync_allowed` for one fanout tick, every account read at once (one paged scan) rather
        than one read per due seller: a tick may list 10,000 sellers."""
        return TickSyncGate(self, self._accounts)

    def view(self, seller_id: str, usage: Usage | None = None) -> BillingView:
        return self._view(self.account(seller_id), usage, self._clock())

    def all_views(self) -> list[BillingView]:
        """Every account's plan state (admins)."""
        now = self._clock()
        return [self._view(a, None, now) for a in sorted(self._accounts.all(), key=lambda a: a.seller_id)]

    def _view(self, account: BillingAccount, usage: Usage | None, now: datetime) -> BillingView:
        plan = self.catalog.get(account.plan_id)
        state = effective_state(account, plan, now)
        return BillingView(
            seller_id=account.seller_id, plan=plan, limits=self.limits_plan(account).limits, state=state,
            stored_status=account.status,
            syncing=syncs(state), trial_ends_at=account.trial_ends_at,
            current_period_end=account.current_period_end, grace_ends_at=grace_ends_at(account, plan),
            usage=usage, has_customer=account.customer_id is not None,
        )  # fmt: skip

    # --- Stripe Checkout and the Customer Portal ----------------------------------------------------
    def checkout(
        self, seller_id: str, plan_id: str, identity: BillingIdentity, *, success_url: str, cancel_url: str
    ) -> str:
        """The hosted Checkout page's URL for subscribing to `plan_id` (409 while a subscription lives:
        plan changes go through the Customer Portal)."""
        plan = self.catalog.get(plan_id)
        account = self.account(seller_id)
        if account.subscription_id and account.status is not PlanState.CANCELLED:
            raise BillingConflict("a subscription is live: change the plan or card in the billing portal")
        if not identity.email or "@" not in identity.email:
            raise InvalidInput("a billing email is required")
        customer_id = self._customer(account, identity, plan)
        remaining = self._trial_days_left(account, plan)
        prices: list[tuple[str, int | None]] = [(plan.price_id, 1)]
        if plan.metered is not None:
            prices.append((plan.metered.price_id, None))
        return self._provider().checkout_session(
            customer_id=customer_id, prices=prices, trial_days=remaining,
            success_url=success_url, cancel_url=cancel_url,
        )  # fmt: skip

    def portal(self, seller_id: str, *, return_url: str) -> str:
        account = self.account(seller_id)
        if account.customer_id is None:
            raise BillingConflict("no subscription yet: subscribe through checkout first")
        return self._provider().portal_session(customer_id=account.customer_id, return_url=return_url)

    def _customer(self, account: BillingAccount, identity: BillingIdentity, plan: Plan) -> str:
        if account.customer_id:
            return account.customer_id
        customer_id = self._provider().create_customer(identity, plan.id)
        self._accounts.link_customer(customer_id, account.seller_id)
        self._accounts.put(replace(account, customer_id=customer_id, updated_at=self._clock()))
        return customer_id

    def _trial_days_left(self, account: BillingAccount, plan: Plan) -> int:
        """A checkout during the trial keeps the days left (a resubscription has none)."""
        if account.status is not PlanState.TRIALING or account.trial_ends_at is None:
            return 0
        left = (account.trial_ends_at - self._clock()).days
        return max(0, min(left, plan.trial_days))

    # --- webhooks -----------------------------------------------------------------------------------
    def handle_event(self, raw: Mapping[str, Any]) -> EventOutcome:
        """Applies one verified Stripe event (the caller made it idempotent on the event id)."""
        event = StripeEvent.of(raw)
        customer = event.customer_id
        seller_id = self._accounts.seller_for_customer(customer) if customer else None
        if seller_id is None:
            return EventOutcome(event.id, event.type, False, "no account for this customer")
        account = self.account(seller_id)
        transition = self._machine.apply(account, event, self._clock())
        if transition.applied:
            self._accounts.put(transition.account)
        for notice in transition.notices:
            self._notices.notify(notice)
        logger.info(
            "stripe event handled",
            extra={"event_type": event.type, "applied": transition.applied, "reason": transition.reason},
        )
        return EventOutcome(event.id, event.type, transition.applied, transition.reason)

    # --- usage --------------------------------------------------------------------------------------
    def report_usage(self, seller_id: str, *, orders: int, period: str) -> bool:
        """Reports a period's count of orders synced to a metered plan's meter: one event with the count
        and the Stripe customer id only; its identifier makes a repeat of the same period a no-op."""
        if orders < 0:
            raise InvalidInput("a usage count is never negative")
        account = self.account(seller_id)
        plan = self.catalog.get(account.plan_id)
        if plan.metered is None or account.customer_id is None or orders == 0:
            return False
        self._provider().meter_event(
            event_name=plan.metered.meter_event_name, customer_id=account.customer_id, value=orders,
            identifier=f"{account.customer_id}-{period}",
        )  # fmt: skip
        return True

    def report_period(self, period: UsagePeriod, count_orders: Callable[[str, date, date], int]) -> UsageRun:
        """One meter event per metered account with a Stripe customer: the orders synced for its seller
        in `period` (counted by `count_orders(seller_id, first, last)`). Idempotent per (customer,
        period): a repeat sends the same identifier, which Stripe (and the stand-in) keep once."""
        reported = skipped = orders = 0
        failed: list[str] = []
        for account in sorted(self._accounts.all(), key=lambda a: a.seller_id):
            plan = self.catalog.get(account.plan_id)
            if plan.metered is None or account.customer_id is None:
                skipped += 1
                continue
            try:
                count = count_orders(account.seller_id, period.first, period.last)
                sent = self.report_usage(account.seller_id, orders=count, period=period.name)
            except Exception as error:  # one account's failure never stops the others' reports
                logger.warning(
                    "usage report failed",
                    extra={"seller_id": account.seller_id, "error": type(error).__name__},
                )
                failed.append(account.seller_id)
                continue
            if sent:
                reported += 1
                orders += count
            else:
                skipped += 1
        logger.info("usage reported", extra={"period": period.name, "reported": reported, "skipped": skipped})
        if failed:  # the schedule's retries run it again: what was sent is kept once (its identifier)
            raise UsageReportIncomplete(f"{len(failed)} account(s) could not be reported for {period.name}")
        return UsageRun(period=period.name, reported=reported, skipped=skipped, orders=orders)


@dataclass(frozen=True)
class UsagePeriod:
    """A calendar month of usage (UTC): `name` is its meter identifier's suffix, e.g. "2026-11"."""

    name: str
    first: date
    last: date

    @classmethod
    def before(cls, now: datetime) -> UsagePeriod:
        """The month before `now`'s (a run on the 1st reports the month that just ended)."""
        this_month = now.astimezone(UTC).date().replace(day=1)
        last = this_month - timedelta(days=1)
        return cls(name=f"{last:%Y-%m}", first=last.replace(day=1), last=last)

    @classmethod
    def named(cls, name: str) -> UsagePeriod:
        try:
            first = datetime.strptime(name, "%Y-%m").date()
        except ValueError:
            raise InvalidInput(f"a usage period is a month YYYY-MM, got {name[:20]!r}") from None
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return cls(name=name, first=first, last=following - timedelta(days=1))


@dataclass(frozen=True)
class UsageRun:
    """What one usage report did (counts only)."""

    period: str
    reported: int
    skipped: int
    orders: int


class TickSyncGate:
    """The billing service's `sync_allowed` over the accounts, read once for a tick at the first
    question (a tick with no scheduled seller reads nothing); a seller without an account yet goes
    through the service, which starts its trial, as `sync_allowed` does."""

    def __init__(self, service: BillingService, accounts: BillingAccounts) -> None:
        self._service = service
        self._source = accounts
        self._accounts: dict[str, BillingAccount] | None = None

    def sync_allowed(self, seller_id: str) -> bool:
        if self._accounts is None:
            self._accounts = {a.seller_id: a for a in self._source.all()}
        account = self._accounts.get(seller_id)
        if account is None:
            return self._service.sync_allowed(seller_id)
        return syncs(self._service.state_of(account))

    def sync_every_minutes(self, seller_id: str, wanted: int | None) -> int | None:
        """The cadence the seller gets: its own, or the plan's fastest when its own is faster."""
        if self._accounts is None:
            self._accounts = {a.seller_id: a for a in self._source.all()}
        plan = self._service.limits_plan(self._accounts.get(seller_id))
        return limits.allowed_cadence(plan, wanted or 0)
