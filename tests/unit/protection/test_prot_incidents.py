"""The incident record: the 24-hour deadline for notifying Amazon, milestones recorded once, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sellerflow.errors import IncidentNotFound, InvalidInput
from sellerflow.incidents.model import (
    AMAZON_SECURITY_CONTACT,
    INCIDENTS_PARTITION,
    Incident,
    IncidentIn,
    IncidentOut,
    IncidentProgressIn,
    Severity,
)
from sellerflow.incidents.service import IncidentService
from sellerflow.principal import Principal

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ADMIN = Principal(sub="admin-sub", is_admin=True)


class Store:
    def __init__(self) -> None:
        self.by_id: dict[str, Incident] = {}

    def put_incident(self, incident: Incident) -> None:
        self.by_id[incident.incident_id] = incident

    def incident(self, incident_id: str) -> Incident | None:
        return self.by_id.get(incident_id)

    def incidents(self) -> list[Incident]:
        return list(self.by_id.values())


class Audit:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str, str]] = []

    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> None:
        self.entries.append((seller_id, actor_sub, action, resource))


def _service() -> tuple[IncidentService, Audit]:
    audit = Audit()
    return IncidentService(Store(), audit, lambda: NOW), audit


def test_the_deadline_is_detection_plus_24_hours_and_says_whether_it_was_met() -> None:
    service, audit = _service()
    detected = NOW - timedelta(hours=30)
    opened = service.open(
        ADMIN, IncidentIn(title="PII read spike", severity=Severity.CRITICAL, detected_at=detected)
    )
    out = IncidentOut.of(opened, NOW)
    assert out.notify_amazon_by == detected + timedelta(hours=24)
    assert out.notify_amazon_at == AMAZON_SECURITY_CONTACT
    assert out.amazon_deadline_met is False  # 30 hours and Amazon not told
    late = service.progress(
        ADMIN, opened.incident_id, IncidentProgressIn(amazon_notified_at=NOW - timedelta(hours=1))
    )
    assert late.amazon_deadline_met(NOW) is False
    on_time = Incident("x", "t", Severity.LOW, NOW - timedelta(hours=2), "a", amazon_notified_at=NOW)
    assert on_time.amazon_deadline_met(NOW) is True
    pending = Incident("y", "t", Severity.LOW, NOW - timedelta(hours=2), "a")
    assert pending.amazon_deadline_met(NOW) is None  # still within the 24 hours
    assert [e[2] for e in audit.entries] == ["incident.opened", "incident.progressed"]
    assert all(e[0] == INCIDENTS_PARTITION and e[1] == ADMIN.sub for e in audit.entries)


def test_milestones_are_recorded_once_between_detection_and_now() -> None:
    service, _ = _service()
    opened = service.open(
        ADMIN,
        IncidentIn(title="Audit chain broken", severity=Severity.HIGH, detected_at=NOW - timedelta(hours=3)),
    )
    service.progress(ADMIN, opened.incident_id, IncidentProgressIn(contained_at=NOW - timedelta(hours=2)))
    with pytest.raises(InvalidInput, match="already recorded"):
        service.progress(ADMIN, opened.incident_id, IncidentProgressIn(contained_at=NOW))
    with pytest.raises(InvalidInput, match="between detected_at and now"):
        service.progress(ADMIN, opened.incident_id, IncidentProgressIn(resolved_at=NOW - timedelta(hours=4)))
    with pytest.raises(InvalidInput, match="at least one"):
        service.progress(ADMIN, opened.incident_id, IncidentProgressIn())
    with pytest.raises(IncidentNotFound):
        service.progress(ADMIN, "f" * 32, IncidentProgressIn(resolved_at=NOW))
    with pytest.raises(InvalidInput, match="future"):
        service.open(
            ADMIN, IncidentIn(title="From the future", severity=Severity.LOW, detected_at=NOW + timedelta(1))
        )
