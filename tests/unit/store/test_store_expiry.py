"""The one list of long-lived control data (`sweeper.LONG_LIVED`) is the data model's, and the
sweeper keeps exactly what it names."""

from __future__ import annotations

import re
from pathlib import Path

from sellerflow.store.sweeper import LONG_LIVED, is_long_lived

DATA_MODEL = Path(__file__).parents[3] / "docs" / "data-model.md"


def _documented() -> dict[str, tuple[str, ...]]:
    """The rows of the data model's "Expiry" table, `X#…` read as the prefix `X#`."""
    section = DATA_MODEL.read_text().split("## Expiry", 1)[1].split("\n## ", 1)[0]
    listed: dict[str, list[str]] = {}
    for table, sk in re.findall(r"^\| (\w+) \| `([^`]+)` \|", section, flags=re.MULTILINE):
        if table != "table":  # the header
            listed.setdefault(table, []).append(sk.removesuffix("…"))
    return {table: tuple(keys) for table, keys in listed.items()}


def test_the_data_model_lists_exactly_the_long_lived_items() -> None:
    assert _documented() == LONG_LIVED


def test_an_entry_ending_in_a_hash_is_a_prefix_any_other_one_key() -> None:
    assert is_long_lived("sellers", "PROFILE")
    assert is_long_lived("sellers", "MEMBER#user-1")
    assert is_long_lived("sellers", "CREDENTIALS#ADS")
    assert not is_long_lived("sellers", "PROFILE#2")
    assert not is_long_lived("sellers", "SYNC#orders")  # a cursor expires (refreshed on every write)
    assert not is_long_lived("seller_data", "PROFILE")  # per table
