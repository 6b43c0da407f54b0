"""FBA inventory summaries (getInventorySummaries), every marketplace of the seller."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from sellerflow.facts import InventoryFact
from sellerflow.observability import metrics
from sellerflow.sync.models import SELLER_ID_PATTERN


class InventoryInput(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    seller_id: str = Field(pattern=SELLER_ID_PATTERN)


class InventoryOutput(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    skus: int


class InventoryApi(Protocol):
    def get_inventory_summaries(
        self, seller_id: str, *, marketplace_id: str, next_token: str | None = None
    ) -> dict[str, Any]: ...


class FactSink(Protocol):
    def write(self, batch: Sequence[object]) -> None: ...


def sync_inventory(
    request: InventoryInput,
    *,
    api: InventoryApi,
    sink: FactSink,
    marketplace_ids: Sequence[str],
    to_fact: Callable[[str, str, dict[str, Any], datetime], InventoryFact],
    now: datetime | None = None,
) -> InventoryOutput:
    now = now or datetime.now(UTC)
    total = 0
    for marketplace_id in marketplace_ids:
        token: str | None = None
        while True:
            body = api.get_inventory_summaries(
                request.seller_id, marketplace_id=marketplace_id, next_token=token
            )
            summaries = (body.get("payload") or {}).get("inventorySummaries") or []
            facts = [to_fact(request.seller_id, marketplace_id, summary, now) for summary in summaries]
            for start in range(0, len(facts), 25):
                sink.write(facts[start : start + 25])
            total += len(facts)
            token = (body.get("pagination") or {}).get("nextToken")
            if not token:
                break
    metrics.add_metric(name="InventorySkus", unit="Count", value=total)
    return InventoryOutput(skus=total)
