"""The daily history archive's seller list: every active seller whose authorization holds, whatever
its sync cadence; a lapsed one is still marked lapsed and left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sellerflow.domain import ScheduledSeller
from sellerflow.sync.fanout import list_due_sellers
from sellerflow.sync.models import ListDueSellersInput

NOW = datetime(2026, 12, 5, 0, 7, tzinfo=UTC)


class _Sellers:
    def __init__(self) -> None:
        self.lapsed: list[str] = []

    def scheduled_sellers(self) -> list[ScheduledSeller]:
        return [
            ScheduledSeller(seller_id="A1HOURLY", sync_every_minutes=60),
            ScheduledSeller(seller_id="A2DAILY", sync_every_minutes=1440),
            ScheduledSeller(seller_id="A3LAPSED", authorization_expires_at=NOW - timedelta(days=1)),
        ]

    def mark_lapsed(self, seller_id: str, *, now: datetime, reason: str) -> bool:
        self.lapsed.append(seller_id)
        return True


def test_every_active_seller_is_listed_whatever_its_cadence() -> None:
    sellers = _Sellers()
    due = list_due_sellers(NOW, sellers=sellers, window_minutes=15)
    listed = list_due_sellers(NOW, sellers=sellers, window_minutes=15, every_active=True)
    assert {s.seller_id for s in listed.sellers} == {"A1HOURLY", "A2DAILY"}
    assert {s.seller_id for s in due.sellers} < {"A1HOURLY", "A2DAILY"}  # not every seller is due a sync
    assert listed.window.startswith("all-")  # its list object never shares a sync tick's key
    assert "A3LAPSED" in sellers.lapsed


def test_the_workflow_asks_for_every_active_seller() -> None:
    import json
    from pathlib import Path

    definition = json.loads(
        (Path(__file__).resolve().parents[3] / "statemachines" / "history-archive.asl.json").read_text()
    )
    payload = definition["States"]["ListActiveSellers"]["Parameters"]["Payload"]
    request = ListDueSellersInput.model_validate(
        {"tick_time": NOW.isoformat(), **{k: v for k, v in payload.items() if not k.endswith(".$")}}
    )
    assert request.every_active
