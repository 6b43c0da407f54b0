"""Comparing what Sellerflow stored with what the simulator holds (the demo's and e2e's proof)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sellerflow.domain import Order
from sellerflow.sync.mapping import to_order


@dataclass(frozen=True)
class Verification:
    seller_id: str
    stored: int
    source: int
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]
    different: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.stored == self.source and not (self.missing or self.unexpected or self.different)


def verify_orders(seller_id: str, stored: list[Order], ground_truth: list[dict[str, Any]]) -> Verification:
    expected = {o.order_id: o for o in (to_order(seller_id, doc) for doc in ground_truth)}
    actual = {o.order_id: o for o in stored}
    return Verification(
        seller_id=seller_id,
        stored=len(actual),
        source=len(expected),
        missing=tuple(sorted(expected.keys() - actual.keys())),
        unexpected=tuple(sorted(actual.keys() - expected.keys())),
        different=tuple(sorted(k for k in expected.keys() & actual.keys() if expected[k] != actual[k])),
    )
