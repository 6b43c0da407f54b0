"""Every stored fact's mapping stores the same attribute dicts as the hand-written mappers it
replaced, and reads those dicts (and items of older versions, attributes missing) back the same.

`stored_items_before.json` was captured from the hand-written mappers, for the values in
`store_record_samples`: data already in DynamoDB must read back as it did."""

from __future__ import annotations

import importlib
import json
import pkgutil
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import store_record_samples as s
from pynamodb.models import Model

import sellerflow.store
from sellerflow.store import (  # every module that declares a record: all of them register
    ads,
    alerts,
    audit,
    connections,
    facts,
    facts_control,
    facts_rollups,
    members,
    orders,
    pii,  # noqa: F401
    privacy,  # noqa: F401
    reports,
    sellers,
    tables,
)
from sellerflow.store.facts_control import DirtyDay

BEFORE: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "stored_items_before.json").read_text()
)
STAMP = {"written_at": s.AT, "expires_at": s.EXPIRES_AT}
ROLLUP_STAMP = {"computed_at": s.AT, "expires_at": s.EXPIRES_AT}
ORDER_STAMP = {"synced_at": s.AT, "expires_at": int((s.AT + timedelta(days=540)).timestamp())}


def _fact(mapping: Any, value: Any, **supplied: Any) -> tuple[Callable[[], Model], Any]:
    return (lambda: mapping.to_record(value, **supplied)), mapping


# name -> (how the store writes the sample now, or None: an item only read (written by updates, or by an
# older version); the mapping that reads it)
CASES: dict[str, tuple[Callable[[], Model] | None, Any]] = {
    "listing": _fact(facts.LISTINGS, s.LISTING, **STAMP),
    "listing_bare": _fact(facts.LISTINGS, s.LISTING_BARE, **STAMP),
    "inventory": _fact(facts.INVENTORY, s.INVENTORY, **STAMP),
    "traffic_date": _fact(facts.TRAFFIC_BY_DATE, s.TRAFFIC_DATE, **STAMP),
    "traffic_asin": _fact(facts.TRAFFIC_BY_ASIN, s.TRAFFIC_ASIN, **STAMP),
    "finance": _fact(facts.FINANCES, s.FINANCE, **STAMP),
    "finance_bare": _fact(facts.FINANCES, s.FINANCE_BARE, **STAMP),
    "finance_legacy": (None, facts.FINANCES),
    "sku_rollup_legacy": (None, facts_rollups.SKUS),  # before the rows naming no SKU and ad spend
    "settlement": _fact(facts.SETTLEMENTS, s.SETTLEMENT, **STAMP),
    "settlement_line": _fact(facts.SETTLEMENT_LINES, s.SETTLEMENT_LINE, **STAMP),
    "order": _fact(orders.ORDERS, s.ORDER, **ORDER_STAMP),
    "order_bare": _fact(orders.ORDERS, s.ORDER_BARE, **ORDER_STAMP),
    "order_legacy": (None, orders.ORDERS),
    "day_rollup": _fact(facts_rollups.DAYS, s.DAY_ROLLUP, **ROLLUP_STAMP),
    "day_rollup_empty": _fact(facts_rollups.DAYS, s.DAY_ROLLUP_EMPTY, **ROLLUP_STAMP),
    "day_rollup_legacy": (None, facts_rollups.DAYS),
    "sku_rollup": _fact(facts_rollups.SKUS, s.SKU_ROLLUP, **ROLLUP_STAMP),
    "ad_day": _fact(ads.CAMPAIGN_DAYS, s.AD_DAY, **STAMP),
    "dirty_day": _fact(
        facts_control.DIRTY_DAYS,
        DirtyDay(seller_id=s.SELLER, marketplace_id=s.US, day=s.DAY, mark=uuid.UUID(int=7).hex),
        marked_at=s.AT,
        reason="finances",
        expires_at=int((s.AT + facts_control.CONTROL_RETENTION).timestamp()),
    ),
    "cogs": _fact(facts_control.COGS, s.COGS, updated_at=s.AT),
    "invitation": ((lambda: members._invitation_record(s.INVITATION)), members.INVITATIONS),
    "invitation_closed": ((lambda: members._invitation_record(s.INVITATION_CLOSED)), members.INVITATIONS),
    "grant": _fact(
        members.GRANTS, s.GRANT, expires_at=int((s.GRANT.valid_until + members.GRANT_KEEP).timestamp())
    ),
    "member": _fact(members.MEMBERS, s.MEMBER),
    "member_legacy": (None, members.MEMBERS),
    "recipient": _fact(alerts.RECIPIENTS, s.RECIPIENT, seller_id=s.SELLER, updated_at=s.AT),
    "recipient_out": _fact(alerts.RECIPIENTS, s.RECIPIENT_OUT, seller_id=s.SELLER, updated_at=s.AT),
    "delivery": _fact(alerts.DELIVERIES, s.DELIVERY, seller_id=s.SELLER, attempts=2, expires_at=s.EXPIRES_AT),
    "delivery_bare": (None, alerts.DELIVERIES),
    "audit_entry": _fact(audit.ENTRIES, s.AUDIT_ENTRY, expires_at=s.EXPIRES_AT),
    "audit_chain_entry": (None, audit.CHAIN_ENTRIES),
    "audit_head": _fact(audit.HEADS, s.AUDIT_HEAD, seller_id=s.SELLER, rev=13, expires_at=s.EXPIRES_AT),
    "audit_head_legacy": (None, audit.HEADS),
    "report_requested": (None, reports.REPORT_STATES),
    "report_ingested": (None, reports.REPORT_STATES),
    "profile": (None, sellers.PROFILES),
    "profile_bare": (None, sellers.PROFILES),
    "membership": (None, sellers.MEMBERSHIPS),
    "membership_legacy": (None, sellers.MEMBERSHIPS),
    "connection": (None, connections.CONNECTIONS),
    "connection_bare": (None, connections.CONNECTIONS),
    "scheduled": (None, connections.SCHEDULES),
    "scheduled_bare": (None, connections.SCHEDULES),
    "sync_state": (None, sellers.SYNC_STATES),
    "sync_state_bare": (None, sellers.SYNC_STATES),
}
# Stored by hand-written code that no mapping replaced (one place each): kept for their bytes.
UNMAPPED = {"restriction"}


@pytest.mark.parametrize("name", sorted(name for name, (write, _) in CASES.items() if write is not None))
def test_the_mapping_stores_what_the_hand_written_mapper_stored(name: str) -> None:
    write, _ = CASES[name]
    assert write is not None
    assert _sets_sorted(write().serialize()) == _sets_sorted(BEFORE[name]["item"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_stored_items_read_back_as_before(name: str) -> None:
    _, mapping = CASES[name]
    record = mapping.record.from_raw_data(BEFORE[name]["item"])
    assert repr(mapping.to_domain(record)) == BEFORE[name]["read"]


def test_every_captured_item_has_a_case() -> None:
    assert set(BEFORE) == set(CASES) | UNMAPPED


def _sets_sorted(item: Any) -> Any:
    """A string set's members in one order (DynamoDB keeps a set unordered; Python's order varies)."""
    if isinstance(item, dict):
        return {key: sorted(value) if key == "SS" else _sets_sorted(value) for key, value in item.items()}
    if isinstance(item, list):
        return [_sets_sorted(value) for value in item]
    return item


def test_every_record_declares_the_attributes_it_declared_before() -> None:
    """Attributes the mappings derive from the domain types are those that were written out by hand:
    same class, same null-ness, same stored name, same default."""
    before = json.loads((Path(__file__).parent / "record_schemas_before.json").read_text())
    current = {name: schema for name, schema in _schemas().items() if name not in ADDED_SINCE}
    added = {(name, attribute): current[name].pop(attribute) for name, attribute in ATTRIBUTES_ADDED_SINCE}
    assert current == {name: schema for name, schema in before.items() if name not in REMOVED}
    # An attribute added to a record already stored must be optional: old items do not have it.
    assert all(schema["null"] for schema in added.values())


# Declared, never read or written: the audit's first, unchained format (no item of it was ever read).
REMOVED = {"AuditRecord"}
# Records declared after the hand-written mappers were captured (no item of theirs predates them).
ADDED_SINCE = {
    "SubscriptionRecord",
    "OrderChunkRecord",  # orders packed per (marketplace, local day) and write (expires_at)
    "OrderIdRecord",  # an order's day and last stored content (expires_at)
    "HistoryCheckpointRecord",  # the history archive's progress per seller (expires_at)
    "OrderLocatorRecord",  # an archived order's marketplace and day (expires_at; no longer written, read until it expires)
    "NotificationRecord",
    "QuotaSlotRecord",
    "QuotaLineRecord",
    "IncidentRecord",
    "EconomicsMismatchesRecord",
    "AccessReviewRecord",
    "MemberSeenRecord",
    "SkuWindowRecord",
    "PackageProfileRecord",
    "LabelSettingsRecord",
    "LabelQuoteRecord",
    "LabelShipmentRecord",
    "MessageThreadRecord",
    "BuyerMessageRecord",
    "MessageDraftRecord",
    "MessageInboundRecord",
    "MessageSettingsRecord",
    "ReviewRequestRecord",
    "ReviewSettingsRecord",
    "ReviewRunRecord",
    "RestockSettingsRecord",
    "FxRateRecord",
    "ReportCarryRecord",  # the reports an hourly run carries to the next (expires_at)
    "FinanceChunkRecord",  # an hour's finance transactions, packed (expires_at)
    "ReportDayRecord",  # a (kind, marketplace, day)'s report rows, packed (expires_at)
}
# Attributes added to records that were already stored (each nullable).
ATTRIBUTES_ADDED_SINCE = {
    ("ReportRecord", "ingest_claim"),
    ("ReportRecord", "ingest_claimed_until"),
    ("ReportRecord", "ingest_claimant"),
    ("OrderRecord", "ship_by"),
    ("OrderRecord", "deliver_by"),
    ("SellerRecord", "home_currency"),
    ("SellerRecord", "claimed_window"),
    ("SellerRecord", "reports_run_at"),
    ("SellerRecord", "reports_pending"),
}


def _schemas() -> dict[str, dict[str, dict[str, Any]]]:
    # Every store module, so the registry is the same whichever tests ran before in this process.
    for module in pkgutil.iter_modules(sellerflow.store.__path__):
        importlib.import_module(f"sellerflow.store.{module.name}")
    records: list[type[Any]] = [*tables._REGISTRY, orders.OrderItemRecord, facts.AmountRecord]
    return {record.__name__: _schema(record) for record in records}


def _schema(record: type[Any]) -> dict[str, dict[str, Any]]:
    described = {}
    for name, attribute in sorted(record.get_attributes().items()):
        default = attribute.default
        described[name] = {
            "class": type(attribute).__name__,
            "null": bool(attribute.null),
            "attr_name": attribute.attr_name,
            "hash_key": attribute.is_hash_key,
            "range_key": attribute.is_range_key,
            "default": None
            if default is None
            else (default.__name__ if callable(default) else repr(default)),
        }
    return described
