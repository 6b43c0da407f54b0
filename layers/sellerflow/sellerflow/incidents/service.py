"""Opening an incident and recording its milestones, each audited (admins only; the API checks)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sellerflow.errors import IncidentNotFound, InvalidInput
from sellerflow.incidents.model import INCIDENTS_PARTITION, Incident, IncidentIn, IncidentProgressIn
from sellerflow.principal import Principal

MILESTONES = ("contained_at", "amazon_notified_at", "resolved_at")


class IncidentStore(Protocol):
    def put_incident(self, incident: Incident) -> None: ...

    def incident(self, incident_id: str) -> Incident | None: ...

    def incidents(self) -> list[Incident]: ...


class IncidentAudit(Protocol):
    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> object: ...


class IncidentService:
    def __init__(self, store: IncidentStore, audit: IncidentAudit, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock

    def open(self, who: Principal, wanted: IncidentIn) -> Incident:
        if wanted.detected_at > self._clock():
            raise InvalidInput("detected_at is in the future")
        incident = Incident(
            incident_id=uuid.uuid4().hex,
            title=wanted.title,
            severity=wanted.severity,
            detected_at=wanted.detected_at,
            opened_by=who.sub,
        )
        self._audit.record(
            INCIDENTS_PARTITION, who.sub, "incident.opened",
            f"incident/{incident.incident_id} severity={incident.severity.value}",
        )  # fmt: skip
        self._store.put_incident(incident)
        return incident

    def progress(self, who: Principal, incident_id: str, wanted: IncidentProgressIn) -> Incident:
        found = self._store.incident(incident_id)
        if found is None:
            raise IncidentNotFound(f"incident {incident_id[:64]!r} not found")
        changes = {name: value for name in MILESTONES if (value := getattr(wanted, name)) is not None}
        if not changes:
            raise InvalidInput(f"name at least one of {', '.join(MILESTONES)}")
        for name, value in changes.items():
            if getattr(found, name) is not None:
                raise InvalidInput(f"{name} is already recorded")
            if value < found.detected_at or value > self._clock():
                raise InvalidInput(f"{name} must be between detected_at and now")
        updated = dataclasses.replace(found, **changes)
        self._audit.record(
            INCIDENTS_PARTITION, who.sub, "incident.progressed",
            f"incident/{incident_id} " + " ".join(f"{k}={v.isoformat()}" for k, v in changes.items()),
        )  # fmt: skip
        self._store.put_incident(updated)
        return updated

    def all(self) -> list[Incident]:
        return sorted(self._store.incidents(), key=lambda i: i.detected_at, reverse=True)
