"""The hash-chained audit log in moto: appends, concurrency, tamper detection and the CLI verify."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prot_support import raw_items

from sellerflow.settings import reset_settings
from sellerflow.store.audit import HEAD, AuditLog, seq_key
from sellerflow_dev import cli
from sellerflow_dev.bench.dashboard_world import count_ddb_requests

SELLER, OTHER = "A1PROTSELLER", "A2PROTOTHER"


def item(aws: Any, seller: str, sk: str) -> dict[str, Any]:
    found: dict[str, Any] = aws.get_item(TableName="AuditTable", Key={"seller_id": {"S": seller}, "sk": {"S": sk}})["Item"]  # fmt: skip
    return found


def test_entries_form_a_gapless_chain_per_seller_and_expire_after_more_than_12_months(aws: Any) -> None:
    log = AuditLog()
    for i in range(5):
        log.record(SELLER, "user-1", "order.read", f"order/{i}")
    log.record(OTHER, "user-2", "seller.read", "profile")
    entries = log.entries(SELLER)
    assert [e.seq for e in entries] == [5, 4, 3, 2, 1]  # newest first
    assert all(a.prev_hash == b.hash for a, b in itertools.pairwise(entries))
    assert log.verify(SELLER).ok
    assert log.verify(OTHER).ok
    assert [e.seq for e in log.entries(OTHER)] == [1]
    newest = item(aws, SELLER, seq_key(5))
    expires = datetime.fromtimestamp(int(newest["expires_at"]["N"]), UTC)
    assert expires - entries[0].at >= timedelta(days=365)
    assert item(aws, SELLER, HEAD)["seq"]["N"] == "5"


def test_concurrent_writers_never_share_or_skip_a_sequence_number(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DynamoDB runs a transaction atomically; moto's in-process backend does not lock across
    # threads, so the test gives it that one property of the real service.
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.Lock()
    original = DynamoDBBackend.transact_write_items

    def atomic(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", atomic)
    log = AuditLog()
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(4):
                log.record(SELLER, f"user-{worker}", "order.read", f"order/{worker}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = sorted(e.seq for e in log.entries(SELLER, limit=1000))
    assert seqs == list(range(1, 17))
    assert log.verify(SELLER).ok


def test_a_log_appends_after_its_own_write_in_one_request(aws: Any) -> None:
    log = AuditLog()
    with count_ddb_requests() as first:
        log.record(SELLER, "user-1", "dashboard.read", "rollups")
    with count_ddb_requests() as then:
        log.record(SELLER, "user-1", "analytics.read", "daily")
    # the first append reads the head (none: a new chain also looks for entries); the next only writes
    assert [c.operation for c in first] == ["GetItem", "Query", "TransactWriteItems"]
    assert [c.operation for c in then] == ["TransactWriteItems"]
    assert [e.seq for e in log.entries(SELLER)] == [2, 1]
    assert log.verify(SELLER).ok


def test_a_head_moved_by_another_writer_is_read_again(aws: Any) -> None:
    here, there = AuditLog(), AuditLog()  # two warm containers serving the same seller
    for i in range(3):
        here.record(SELLER, "user-1", "order.read", f"order/h{i}")
        there.record(SELLER, "user-2", "order.read", f"order/t{i}")
    with count_ddb_requests() as calls:
        here.record(SELLER, "user-1", "order.read", "order/last")
    assert [c.operation for c in calls] == ["TransactWriteItems", "GetItem", "TransactWriteItems"]
    entries = here.entries(SELLER)
    assert [e.seq for e in entries] == list(range(7, 0, -1))
    assert [e.resource for e in entries][:2] == ["order/last", "order/t2"]
    assert here.verify(SELLER).ok


def test_a_chain_begun_again_at_the_same_revision_is_not_taken_for_the_remembered_one(aws: Any) -> None:
    before, after = AuditLog(), AuditLog()
    for i in range(3):
        before.record(SELLER, "user-1", "order.read", f"order/{i}")  # head at revision 3
    for found in raw_items(aws, "AuditTable"):  # the partition erased (as an erasure does) ...
        aws.delete_item(TableName="AuditTable", Key={"seller_id": found["seller_id"], "sk": found["sk"]})
    for i in range(3):
        after.record(SELLER, "user-2", "order.read", f"again/{i}")  # ... and begun again: revision 3
    assert item(aws, SELLER, HEAD)["rev"]["N"] == "3"
    before.record(SELLER, "user-1", "order.read", "order/late")  # its remembered head is stale
    entries = before.entries(SELLER)
    assert [(e.seq, e.resource) for e in entries][:2] == [(4, "order/late"), (3, "again/2")]
    assert entries[0].prev_hash == entries[1].hash
    assert before.verify(SELLER).ok


@pytest.mark.parametrize("attack", ["tamper", "delete_middle", "delete_newest", "swap"])
def test_verify_reports_the_first_broken_link(aws: Any, attack: str) -> None:
    log = AuditLog()
    for i in range(6):
        log.record(SELLER, "user-1", "order.read", f"order/{i}")
    if attack == "tamper":
        aws.update_item(TableName="AuditTable", Key={"seller_id": {"S": SELLER}, "sk": {"S": seq_key(3)}},
                        UpdateExpression="SET #r = :r", ExpressionAttributeNames={"#r": "resource"},
                        ExpressionAttributeValues={":r": {"S": "order/innocent"}})  # fmt: skip
        expected = (3, "tampered")
    elif attack == "delete_middle":
        aws.delete_item(TableName="AuditTable", Key={"seller_id": {"S": SELLER}, "sk": {"S": seq_key(4)}})
        expected = (4, "deleted")
    elif attack == "delete_newest":
        aws.delete_item(TableName="AuditTable", Key={"seller_id": {"S": SELLER}, "sk": {"S": seq_key(6)}})
        expected = (6, "deleted")
    else:
        two, three = item(aws, SELLER, seq_key(2)), item(aws, SELLER, seq_key(3))
        aws.put_item(TableName="AuditTable", Item={**three, "sk": {"S": seq_key(2)}})
        aws.put_item(TableName="AuditTable", Item={**two, "sk": {"S": seq_key(3)}})
        expected = (2, "reordered")
    result = log.verify(SELLER)
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.reason) == expected


def test_the_cli_verify_says_ok_then_broken(aws: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    for name, table in {"SELLERS_TABLE": "SellersTable", "AUDIT_TABLE": "AuditTable",
                        "SELLER_DATA_TABLE": "SellerDataTable", "PII_TABLE": "BuyerPiiTable"}.items():  # fmt: skip
        monkeypatch.setenv(name, table)
    reset_settings()
    try:
        log = AuditLog()
        for i in range(3):
            log.record(SELLER, "user-1", "order.read", f"order/{i}")
        assert cli.main(["audit", "verify", "--seller", SELLER]) == 0
        assert capsys.readouterr().out.startswith("OK seller=A1PROTSELLER entries=3")
        aws.delete_item(TableName="AuditTable", Key={"seller_id": {"S": SELLER}, "sk": {"S": seq_key(2)}})
        assert cli.main(["audit", "verify", "--seller", SELLER]) == 1
        assert "BROKEN seller=A1PROTSELLER seq=2 reason=deleted" in capsys.readouterr().out
    finally:
        reset_settings()


def test_pages_are_newest_first_within_from_to_and_skip_expired_entries(aws: Any) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    clock = [t0]
    log = AuditLog(clock=lambda: clock[0])
    for day in range(10):
        clock[0] = t0 + timedelta(days=day)
        log.record(SELLER, "user-1", "order.read", f"order/{day}")
    clock[0] = t0 + timedelta(days=10)
    first = log.page(SELLER, at_from=t0 + timedelta(days=2), at_to=t0 + timedelta(days=7), limit=3)
    assert [e.seq for e in first.entries] == [8, 7, 6]
    assert first.next_token is not None
    second = log.page(SELLER, at_from=t0 + timedelta(days=2), at_to=t0 + timedelta(days=7), limit=3, next_token=first.next_token)  # fmt: skip
    assert [e.seq for e in second.entries] == [5, 4, 3]
    # 400 days on, the oldest entries have expired: never returned, even though still stored
    clock[0] = t0 + timedelta(days=403, hours=12)
    assert [e.seq for e in log.page(SELLER).entries] == [10, 9, 8, 7, 6, 5]
    assert len([i for i in raw_items(aws, "AuditTable") if i["sk"]["S"] != HEAD]) == 10
