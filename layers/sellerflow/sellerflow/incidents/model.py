"""An incident's record: when it was detected, contained, reported to Amazon and resolved."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints

# Amazon's Data Protection Policy: notify Amazon within 24 hours of detecting an incident.
NOTIFY_AMAZON_WITHIN = timedelta(hours=24)
AMAZON_SECURITY_CONTACT = "security@amazon.com"
# The incidents' audit chain: control data of the deployment, not of any seller.
INCIDENTS_PARTITION = "#INCIDENTS"


class Severity(enum.StrEnum):
    CRITICAL = "critical"  # buyer PII or tokens may be exposed, an audit chain is broken
    HIGH = "high"  # one seller's data may be reachable by someone else
    LOW = "low"  # probing that was refused


@dataclass(frozen=True)
class Incident:
    incident_id: str
    title: str
    severity: Severity
    detected_at: datetime
    opened_by: str
    contained_at: datetime | None = None
    amazon_notified_at: datetime | None = None
    resolved_at: datetime | None = None

    @property
    def notify_amazon_by(self) -> datetime:
        return self.detected_at + NOTIFY_AMAZON_WITHIN

    def amazon_deadline_met(self, now: datetime) -> bool | None:
        """True/False once decided; None while the deadline has not passed and Amazon is not told."""
        if self.amazon_notified_at is not None:
            return self.amazon_notified_at <= self.notify_amazon_by
        return False if now > self.notify_amazon_by else None


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=200)]


class IncidentIn(BaseModel):
    """Opening an incident: what, how bad, when it was detected (not when someone read the alarm)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    title: Title
    severity: Severity
    detected_at: AwareDatetime


class IncidentProgressIn(BaseModel):
    """The next milestones of an incident; a milestone once recorded is not changed."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    contained_at: AwareDatetime | None = None
    amazon_notified_at: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None


class IncidentOut(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    incident_id: str
    title: str
    severity: Severity
    detected_at: datetime
    opened_by: str
    contained_at: datetime | None
    amazon_notified_at: datetime | None
    resolved_at: datetime | None
    notify_amazon_by: datetime
    notify_amazon_at: str = AMAZON_SECURITY_CONTACT
    amazon_deadline_met: bool | None

    @classmethod
    def of(cls, incident: Incident, now: datetime) -> IncidentOut:
        return cls(
            incident_id=incident.incident_id,
            title=incident.title,
            severity=incident.severity,
            detected_at=incident.detected_at,
            opened_by=incident.opened_by,
            contained_at=incident.contained_at,
            amazon_notified_at=incident.amazon_notified_at,
            resolved_at=incident.resolved_at,
            notify_amazon_by=incident.notify_amazon_by,
            amazon_deadline_met=incident.amazon_deadline_met(now),
        )


class IncidentsOut(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)
    incidents: list[IncidentOut]
