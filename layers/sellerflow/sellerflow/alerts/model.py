"""Alert rules, quiet hours, recipients and alert records: the alerts' own typed models (no I/O)."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from sellerflow.alerts.content import AlertContent, AlertKind
from sellerflow.marketplaces import MARKETPLACES

# A WhatsApp number in E.164 (Twilio addresses it as "whatsapp:+<digits>").
Phone = Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class Channel(enum.StrEnum):
    SNS = "sns"  # the topic's other subscribers (e-mail, ops tooling)
    WHATSAPP = "whatsapp"  # the WhatsApp sender (SNS -> SQS -> send_whatsapp)


class QuietHours(_Frozen):
    """[start, end) local time in an IANA zone; start > end spans midnight; start == end is never."""

    start: time
    end: time
    timezone: str

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("timezone must be an IANA time zone such as Europe/Berlin") from None
        return value

    def contains(self, instant: datetime) -> bool:
        local = instant.astimezone(ZoneInfo(self.timezone)).time().replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


class Thresholds(_Frozen):
    """Every rule's thresholds; a rule reads the ones of its kind (the others keep their defaults)."""

    # low_stock: days of cover below lead time + safety days; at most max_skus SKUs per marketplace
    lead_time_days: int = Field(default=30, ge=0, le=365)
    safety_days: int = Field(default=7, ge=0, le=365)
    max_skus: int = Field(default=5, ge=1, le=50)
    # acos_jump: yesterday's ACOS more than increase_pct above the trailing 7 days' ACOS
    increase_pct: Decimal = Field(default=Decimal(25), ge=0, le=10_000)
    min_ad_spend: Decimal = Field(default=Decimal(0), ge=0)
    # authorization: expiring within expiry_days
    expiry_days: int = Field(default=14, ge=1, le=365)
    # sync_failing: consecutive failed syncs
    consecutive_failures: int = Field(default=3, ge=1, le=100)
    # message_unanswered: a buyer thread unanswered with at most hours_left of its 24 hours left
    hours_left: int = Field(default=4, ge=1, le=23)


class AlertRule(_Frozen):
    kind: AlertKind
    enabled: bool = True
    marketplace_ids: tuple[str, ...] = ()  # empty: every marketplace of the seller
    thresholds: Thresholds = Thresholds()
    channels: tuple[Channel, ...] = (Channel.SNS, Channel.WHATSAPP)
    quiet_hours: QuietHours | None = None

    @field_validator("marketplace_ids")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [m for m in value if m not in MARKETPLACES]
        if unknown:
            raise ValueError(f"unknown marketplace ids: {', '.join(u[:20] for u in unknown)}")
        return tuple(dict.fromkeys(value))

    @field_validator("channels")
    @classmethod
    def _unique(cls, value: tuple[Channel, ...]) -> tuple[Channel, ...]:
        return tuple(dict.fromkeys(value))

    def in_scope(self, marketplace_id: str) -> bool:
        return not self.marketplace_ids or marketplace_id in self.marketplace_ids


class AlertRules(_Frozen):
    rules: tuple[AlertRule, ...]

    @model_validator(mode="after")
    def _one_per_kind(self) -> AlertRules:
        kinds = [r.kind for r in self.rules]
        if len(kinds) != len(set(kinds)):
            raise ValueError("one rule per kind")
        return self

    def rule(self, kind: AlertKind) -> AlertRule:
        return next((r for r in self.rules if r.kind == kind), AlertRule(kind=kind, enabled=False))


def default_rules(marketplace_ids: Sequence[str]) -> AlertRules:
    """A new seller's rules: every kind on, both channels, quiet 22:00-07:00 in the seller's first
    marketplace's zone (UTC when it has none)."""
    first = next((m for m in marketplace_ids if m in MARKETPLACES), None)
    zone = MARKETPLACES[first].time_zone if first else "UTC"
    quiet = QuietHours(start=time(22, 0), end=time(7, 0), timezone=zone)
    return AlertRules(rules=tuple(AlertRule(kind=k, quiet_hours=quiet) for k in AlertKind))


class Recipient(_Frozen):
    phone: Phone
    opted_in: bool
    opted_out_at: datetime | None = None
    opted_out_reason: str | None = None  # "unsubscribed" (Twilio 21610: the number replied STOP)

    @property
    def reachable(self) -> bool:
        return self.opted_in and self.opted_out_at is None


class AlertStatus(enum.StrEnum):
    HELD = "held"  # due during quiet hours: goes out at the first evaluation after them
    PUBLISHING = "publishing"  # claimed for publishing (a publish that failed is retried later)
    PUBLISHED = "published"


def alert_id_of(seller_id: str, kind: AlertKind, scope: str, period: str) -> str:
    """The de-duplication key: the same (seller, kind, scope, period) is the same alert."""
    digest = hashlib.sha256(f"{seller_id}|{kind.value}|{scope}|{period}".encode()).hexdigest()
    return f"al_{digest[:24]}"


class Alert(_Frozen):
    """One alert the rules found: what it is about (scope), for which period, and what it says."""

    seller_id: str
    kind: AlertKind
    scope: str  # "seller", a marketplace id, or "<marketplace id>#<sku>"
    period: str  # a day (yyyy-mm-dd) or an expiry date: at most one alert per period
    content: AlertContent
    channels: tuple[Channel, ...]

    @property
    def alert_id(self) -> str:
        return alert_id_of(self.seller_id, self.kind, self.scope, self.period)


class AlertMessage(_Frozen):
    """What goes to SNS (and, raw, to the WhatsApp queue): ids and the typed content, nothing else."""

    version: Literal[1] = 1
    alert_id: str
    seller_id: str
    kind: AlertKind
    scope: str
    period: str
    channels: tuple[Channel, ...]
    content: AlertContent

    @classmethod
    def of(cls, alert: Alert) -> AlertMessage:
        return cls(
            alert_id=alert.alert_id,
            seller_id=alert.seller_id,
            kind=alert.kind,
            scope=alert.scope,
            period=alert.period,
            channels=alert.channels,
            content=alert.content,
        )


class DeliveryStatus(enum.StrEnum):
    SENDING = "sending"  # claimed: a send is in flight
    SENT = "sent"  # Twilio accepted it (its own status, e.g. queued, is kept beside)
    FAILED = "failed"  # a temporary failure: the message goes back to the queue and is retried
    REJECTED = "rejected"  # a permanent failure for this number (invalid, not WhatsApp)
    OPTED_OUT = "opted_out"  # the number is unsubscribed: never messaged again


@dataclass(frozen=True)
class SentMessage:
    """What the WhatsApp port answers for one accepted message (provider id and status)."""

    sid: str
    status: str


class Delivery(_Frozen):
    alert_id: str
    phone: Phone
    status: DeliveryStatus
    message_sid: str | None = None
    provider_status: str | None = None
    error_code: int | None = None
    updated_at: datetime


class AlertView(_Frozen):
    """An alert as the owner sees it: the record plus its deliveries."""

    alert_id: str
    kind: AlertKind
    scope: str
    period: str
    status: AlertStatus
    created_at: datetime
    sent_at: datetime | None
    summary: str
    deliveries: tuple[Delivery, ...] = ()
