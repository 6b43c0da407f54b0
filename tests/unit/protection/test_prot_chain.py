"""The audit hash chain (pure): a verified chain, and every kind of break found at its first link."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from sellerflow.audit.chain import GENESIS_HASH, ChainEntry, ChainHead, entry_hash, verify_chain

SELLER = "A1PROTSELLER"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def build(n: int, seller: str = SELLER) -> tuple[list[ChainEntry], ChainHead]:
    entries: list[ChainEntry] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        at = T0 + timedelta(seconds=seq)
        fields = {"seller_id": seller, "seq": seq, "at": at, "actor": "user-1", "action": "order.read",
                  "resource": f"order/{seq}", "prev_hash": prev}  # fmt: skip
        digest = entry_hash(**fields)  # type: ignore[arg-type]
        entries.append(ChainEntry(**fields, hash=digest, key_seq=seq))  # type: ignore[arg-type]
        prev = digest
    return entries, ChainHead(seq=n, hash=prev, at=T0 + timedelta(seconds=n))


def test_an_untouched_chain_verifies() -> None:
    entries, head = build(5)
    result = verify_chain(SELLER, entries, head)
    assert result.ok
    assert result.checked == 5
    assert result.summary().startswith("OK")


def test_a_tampered_entry_is_the_first_break() -> None:
    entries, head = build(5)
    entries[2] = dataclasses.replace(entries[2], resource="order/somebody-else")
    result = verify_chain(SELLER, entries, head)
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.reason) == (3, "tampered")


def test_a_deleted_middle_entry_is_found() -> None:
    entries, head = build(5)
    del entries[1]
    result = verify_chain(SELLER, entries, head)
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.reason) == (2, "deleted")


def test_deleting_the_newest_entries_is_found_through_the_head() -> None:
    entries, head = build(5)
    result = verify_chain(SELLER, entries[:3], head)
    assert result.first_break is not None
    assert result.first_break.reason == "deleted"
    assert result.first_break.seq == 4


def test_swapped_entries_are_reordered() -> None:
    entries, head = build(5)
    a, b = entries[1], entries[2]
    entries[1] = dataclasses.replace(b, key_seq=2)
    entries[2] = dataclasses.replace(a, key_seq=3)
    result = verify_chain(SELLER, entries, head)
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.reason) == (2, "reordered")


def test_a_rehashed_rewrite_still_breaks_the_link_to_the_next_entry() -> None:
    # Given an attacker who rewrites entry 2 and recomputes its hash
    entries, head = build(4)
    e = entries[1]
    forged = dataclasses.replace(e, action="nothing.happened")
    forged = dataclasses.replace(forged, hash=forged.computed_hash())
    entries[1] = forged
    result = verify_chain(SELLER, entries, head)
    # Then entry 3 no longer links to it
    assert result.first_break is not None
    assert result.first_break.seq == 3


def test_a_chain_trimmed_by_the_sweeper_verifies_only_where_the_head_says_so() -> None:
    entries, head = build(6)
    trimmed_head = dataclasses.replace(head, trimmed_seq=2, trimmed_hash=entries[1].hash)
    assert verify_chain(SELLER, entries[2:], trimmed_head).ok
    # An unrecorded removal of the oldest entries is a deletion
    result = verify_chain(SELLER, entries[2:], head)
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.reason) == (1, "deleted")


def test_entries_without_a_head_are_broken_and_nothing_at_all_is_ok() -> None:
    entries, _ = build(2)
    assert verify_chain(SELLER, [], None).ok
    broken = verify_chain(SELLER, entries, None)
    assert broken.first_break is not None
    assert broken.first_break.reason == "head_missing"


@given(st.integers(min_value=1, max_value=12), st.data())
def test_any_single_field_change_is_detected(n: int, data: st.DataObject) -> None:
    entries, head = build(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    field = data.draw(st.sampled_from(["actor", "action", "resource"]))
    entries[index] = dataclasses.replace(entries[index], **{field: getattr(entries[index], field) + "x"})
    result = verify_chain(SELLER, entries, head)
    assert result.first_break is not None
    assert result.first_break.seq == index + 1
