"""Sellers, their memberships and their sync state, in the sellers table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from sellerflow.domain import Membership, Role, SellerProfile, SellerStatus, SyncRoute, SyncRun, SyncState
from sellerflow.errors import SellerNotFound
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.tables import SellerRecord, condition_failed, transaction_connection

PROFILE = "PROFILE"
ROUTE = "route"  # SYNC#route: which seller-sync machine runs a window (sellerflow.sync.routing)
CREDENTIALS = "CREDENTIALS"
MEMBER_PREFIX = "MEMBER#"
ACTIVE = "ACTIVE"


# A sync cursor lives as long as the Amazon data it tells the position of (at most 18 months), from
# its last write: every write refreshes it, so an active seller's cursor never lapses, and a
# disconnected seller's goes with the data it pointed into (docs/data-model.md, "Expiry").
SYNC_STATE_LIFETIME = timedelta(days=548)


def sync_key(source: str) -> str:
    return f"SYNC#{source}"


def _sync_expiry(now: datetime) -> Action:
    return SellerRecord.expires_at.set(int((now + SYNC_STATE_LIFETIME).timestamp()))


def _next_token(token: str | None) -> Action:
    return SellerRecord.run_next_token.set(token) if token else SellerRecord.run_next_token.remove()


# Items from before a value was stored read as the defaults of their time.
def seller_status(record: SellerRecord) -> SellerStatus:
    return SellerStatus(record.status or SellerStatus.ACTIVE)


def member_sub(record: SellerRecord) -> str:
    return record.member_sub or record.sk.removeprefix(MEMBER_PREFIX)


def member_role(record: SellerRecord) -> Role:
    return Role(record.role or Role.SUPPORT)


PROFILES = RecordMapping(
    SellerProfile,
    SellerRecord,
    read={
        "name": lambda r: r.name or r.seller_id,
        "status": seller_status,
        "marketplace_ids": lambda r: tuple(r.marketplace_ids or ()),
    },
)
SYNC_RUNS = RecordMapping(
    SyncRun,
    SellerRecord,
    renames={
        "run_updated_after": "updated_after",
        "run_updated_before": "updated_before",
        "run_pages": "pages",
        "run_orders": "orders",
        "run_next_token": "next_token",
    },
)
SYNC_STATES = RecordMapping(
    SyncState,
    SellerRecord,
    # a run is running while its id and window are stored (finishing a run removes them)
    read={
        "run": lambda r: (
            SYNC_RUNS.to_domain(r) if r.run_id and r.run_updated_after and r.run_updated_before else None
        )
    },
)
MEMBERSHIPS = RecordMapping(
    Membership, SellerRecord, read={"user_sub": member_sub, "role": member_role}, unstored=("break_glass",)
)


class SellerStore:
    """Data access for the sellers table. Listing due sellers is the one cross-seller read (control data)."""

    def put_profile(self, seller_id: str, *, name: str, marketplace_ids: Sequence[str]) -> SellerProfile:
        now = datetime.now(UTC)
        SellerRecord(
            seller_id=seller_id,
            sk=PROFILE,
            name=name,
            status=SellerStatus.ACTIVE.value,
            marketplace_ids=list(marketplace_ids),
            active_partition=ACTIVE,
            created_at=now,
            updated_at=now,
        ).save()
        return self.get_profile(seller_id)

    def get_profile(self, seller_id: str) -> SellerProfile:
        try:
            return PROFILES.to_domain(SellerRecord.get(seller_id, PROFILE))
        except DoesNotExist:
            raise SellerNotFound(f"seller {seller_id} not found") from None

    def profiles(self, seller_ids: Iterable[str]) -> list[SellerProfile]:
        keys = [(seller_id, PROFILE) for seller_id in seller_ids]
        if not keys:
            return []
        found = {r.seller_id: PROFILES.to_domain(r) for r in SellerRecord.batch_get(keys)}
        return [found[s] for s, _ in keys if s in found]

    def set_home_currency(self, seller_id: str, currency: str | None) -> None:
        """The currency the dashboard totals every marketplace in (None: back to the default)."""
        record = SellerRecord(seller_id=seller_id, sk=PROFILE)
        home = SellerRecord.home_currency.set(currency) if currency else SellerRecord.home_currency.remove()
        try:
            record.update(
                actions=[home, SellerRecord.updated_at.set(datetime.now(UTC))],
                condition=SellerRecord.seller_id.exists(),
            )
        except UpdateError as exc:
            if condition_failed(exc):
                raise SellerNotFound(f"seller {seller_id} not found") from None
            raise

    def marketplaces_of(self, seller_id: str) -> tuple[str, ...]:
        return self.get_profile(seller_id).marketplace_ids

    def set_status(self, seller_id: str, status: SellerStatus, *, reason: str | None = None) -> None:
        record = SellerRecord(seller_id=seller_id, sk=PROFILE)
        actions: list[Action] = [
            SellerRecord.status.set(status.value),
            SellerRecord.updated_at.set(datetime.now(UTC)),
            SellerRecord.active_partition.set(ACTIVE)
            if status is SellerStatus.ACTIVE
            else SellerRecord.active_partition.remove(),
        ]
        actions.append(
            SellerRecord.status_reason.set(reason) if reason else SellerRecord.status_reason.remove()
        )
        record.update(actions=actions, condition=SellerRecord.seller_id.exists())

    def active_seller_ids(self) -> list[str]:
        return [r.seller_id for r in SellerRecord.active_sellers.query(ACTIVE)]

    # --- memberships -------------------------------------------------------------------------
    def add_member(
        self, seller_id: str, user_sub: str, role: Role, *, email: str | None = None
    ) -> Membership:
        SellerRecord(
            seller_id=seller_id,
            sk=f"{MEMBER_PREFIX}{user_sub}",
            member_sub=user_sub,
            role=role.value,
            member_email=email.strip().lower() if email else None,
            added_at=datetime.now(UTC),
        ).save()
        return Membership(seller_id=seller_id, user_sub=user_sub, role=role)

    def memberships_of(self, user_sub: str) -> list[Membership]:
        return MEMBERSHIPS.all(SellerRecord.by_member.query(user_sub))

    def membership(self, seller_id: str, user_sub: str) -> Membership | None:
        try:
            record = SellerRecord.get(seller_id, f"{MEMBER_PREFIX}{user_sub}")
        except DoesNotExist:
            return None
        return MEMBERSHIPS.to_domain(record)

    # --- sync state --------------------------------------------------------------------------
    def sync_state(self, seller_id: str, source: str = "orders") -> SyncState:
        try:
            r = SellerRecord.get(seller_id, sync_key(source), consistent_read=True)
        except DoesNotExist:
            return SyncState(seller_id=seller_id)
        return SYNC_STATES.to_domain(r)

    def begin_run(
        self, seller_id: str, run: SyncRun, source: str = "orders", *, now: datetime | None = None
    ) -> None:
        SellerRecord(seller_id=seller_id, sk=sync_key(source)).update(
            actions=[
                SellerRecord.run_id.set(run.run_id),
                SellerRecord.run_updated_after.set(run.updated_after),
                SellerRecord.run_updated_before.set(run.updated_before),
                SellerRecord.run_pages.set(run.pages),
                SellerRecord.run_orders.set(run.orders),
                _next_token(run.next_token),
                _sync_expiry(now or datetime.now(UTC)),
            ]
        )

    def commit_page(
        self,
        seller_id: str,
        *,
        run_id: str,
        watermark: datetime | None,
        orders: int,
        next_token: str | None = None,
        source: str = "orders",
    ) -> None:
        """Record a committed page of the running run (a stale run id fails the condition): the
        watermark (None leaves it), and the token of the page after it (None: the run is complete)."""
        actions: list[Action] = [
            SellerRecord.run_pages.add(1),
            SellerRecord.run_orders.add(orders),
            _next_token(next_token),
            _sync_expiry(datetime.now(UTC)),
        ]
        if watermark is not None:
            actions.append(SellerRecord.watermark.set(watermark))
        SellerRecord(seller_id=seller_id, sk=sync_key(source)).update(
            actions=actions, condition=SellerRecord.run_id == run_id
        )

    def finish_run(
        self, seller_id: str, *, outcome: str, error: str | None, source: str = "orders"
    ) -> SyncState:
        now = datetime.now(UTC)
        actions: list[Action] = [
            SellerRecord.last_outcome.set(outcome),
            SellerRecord.last_run_at.set(now),
            SellerRecord.run_id.remove(),
            SellerRecord.run_updated_after.remove(),
            SellerRecord.run_updated_before.remove(),
            SellerRecord.run_next_token.remove(),
            _sync_expiry(now),
        ]
        if error:
            actions.append(SellerRecord.last_error.set(error[:500]))
            actions.append(SellerRecord.consecutive_failures.add(1))
        else:
            actions.append(SellerRecord.last_error.remove())
            actions.append(SellerRecord.consecutive_failures.set(0))
        SellerRecord(seller_id=seller_id, sk=sync_key(source)).update(actions=actions)
        return self.sync_state(seller_id, source)

    # --- sync routing (sellerflow.sync.routing) -----------------------------------------------
    def sync_route(self, seller_id: str) -> SyncRoute:
        try:
            r = SellerRecord.get(seller_id, sync_key(ROUTE), consistent_read=True)
        except DoesNotExist:
            return SyncRoute(seller_id=seller_id)
        return SyncRoute(
            seller_id=seller_id,
            claimed_window=r.claimed_window,
            reports_run_at=r.reports_run_at,
            reports_pending=bool(r.reports_pending),
        )

    def claim_window(self, seller_id: str, window: str, *, now: datetime | None = None) -> bool:
        """Claim a sync window for one start, in one transaction with a check that the seller is still
        active (an erasure or a disconnection sets another status first). False: the window (or a
        later one) was claimed already, or the seller is not active; nothing changes then."""
        # an erased seller has no PROFILE item left: the check fails on it as on any other status
        profile_active = SellerRecord.sk.exists() & (
            SellerRecord.status.does_not_exist() | (SellerRecord.status == "active")
        )
        not_claimed = SellerRecord.claimed_window.does_not_exist() | (SellerRecord.claimed_window < window)
        try:
            with TransactWrite(connection=transaction_connection(SellerRecord)) as tx:
                tx.condition_check(SellerRecord, seller_id, PROFILE, condition=profile_active)
                tx.update(
                    SellerRecord(seller_id=seller_id, sk=sync_key(ROUTE)),
                    actions=[SellerRecord.claimed_window.set(window), _sync_expiry(now or datetime.now(UTC))],
                    condition=not_claimed,
                )
        except TransactWriteError as exc:
            if exc.cause_response_code == "TransactionCanceledException":
                return False
            raise
        return True

    def release_window(self, seller_id: str, window: str, *, previous: str | None) -> None:
        """Give a claimed window back (its start failed), unless a later start claimed another."""
        action = (
            SellerRecord.claimed_window.set(previous) if previous else SellerRecord.claimed_window.remove()
        )
        try:
            SellerRecord(seller_id=seller_id, sk=sync_key(ROUTE)).update(
                actions=[action], condition=SellerRecord.claimed_window == window
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise

    def record_reports_run(self, seller_id: str, *, at: datetime, pending: bool) -> None:
        """A Standard run finished: when, and whether it planned reports (then the next run is one too)."""
        SellerRecord(seller_id=seller_id, sk=sync_key(ROUTE)).update(
            actions=[
                SellerRecord.reports_run_at.set(at),
                SellerRecord.reports_pending.set(pending),
                _sync_expiry(at),
            ]
        )
