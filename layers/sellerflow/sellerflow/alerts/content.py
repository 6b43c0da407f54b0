"""The content rule: what an alert message may say.

A message carries aggregated figures, SKUs, ASINs, marketplaces and dates, and nothing else: every
field below is a number, a date, a closed enum or a string held to a tight pattern (a SKU has no
spaces, an ASIN is ten capitals and digits, a currency three capitals). There is no free-text field,
so nothing from an order (a buyer's name, an address, a gift message) can reach SNS or WhatsApp.
Models are strict and forbid unknown fields: an extra `buyer_name` is a validation error.

Twilio's approved templates take numbered variables ({"1": ..., "2": ...}); `content_variables`
renders the fields in their declared order, so a template and its model stay in step.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from sellerflow.marketplaces import MARKETPLACES


class AlertKind(enum.StrEnum):
    DAILY_SALES = "daily_sales"
    LOW_STOCK = "low_stock"
    ACOS_JUMP = "acos_jump"
    AUTHORIZATION = "authorization"
    SYNC_FAILING = "sync_failing"
    MESSAGE_UNANSWERED = "message_unanswered"  # buyer messages nearing Amazon's 24-hour answer time


# A seller SKU: Amazon allows up to 40 characters; ours allow no spaces, commas or @ (no prose,
# no e-mail addresses). An ASIN: ten capitals/digits. A currency: ISO 4217.
Sku = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/\-]{1,40}$", strict=True)]
Asin = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{10}$", strict=True)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$", strict=True)]
Count = Annotated[int, Field(ge=0, strict=True)]
Figure = Annotated[Decimal, Field(max_digits=18, decimal_places=4, allow_inf_nan=False)]


class _Content(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid", strict=True)

    @field_validator("marketplace_id", check_fields=False)
    @classmethod
    def _known_marketplace(cls, value: str) -> str:
        if value not in MARKETPLACES:
            raise ValueError("marketplace_id must be a known Amazon marketplace id")
        return value

    def content_variables(self) -> dict[str, str]:
        """Twilio's numbered template variables, in field order (the kind itself is not sent)."""
        values = [
            MARKETPLACES[v].name if k == "marketplace_id" else v
            for k, v in self.model_dump().items()
            if k != "kind"
        ]
        return {str(i): _render(v) for i, v in enumerate(values, start=1)}

    def summary(self) -> str:
        """A one-line text for the API and SNS subscribers, built from the same typed values."""
        parts = [f"{k}={_render(v)}" for k, v in self.model_dump().items() if k != "kind"]
        return f"{self.kind}: " + ", ".join(parts)  # type: ignore[attr-defined]


def _render(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


class DailySalesContent(_Content):
    kind: Literal[AlertKind.DAILY_SALES] = AlertKind.DAILY_SALES
    marketplace_id: str
    day: date
    currency: Currency
    orders: Count
    units: Count
    sales: Figure
    net_profit: Figure
    last_week_sales: Figure
    sales_change_pct: Figure | None  # vs the same weekday last week; None when that day sold nothing


class LowStockContent(_Content):
    kind: Literal[AlertKind.LOW_STOCK] = AlertKind.LOW_STOCK
    marketplace_id: str
    sku: Sku
    asin: Asin | None
    fulfillable: Count
    inbound: Count
    days_of_cover: Figure
    threshold_days: Count


class AcosJumpContent(_Content):
    kind: Literal[AlertKind.ACOS_JUMP] = AlertKind.ACOS_JUMP
    marketplace_id: str
    day: date
    currency: Currency
    ad_spend: Figure
    acos_pct: Figure
    trailing_acos_pct: Figure
    increase_pct: Figure


class AuthorizationState(enum.StrEnum):
    REVOKED = "revoked"
    LAPSED = "lapsed"
    EXPIRING = "expiring"


class AuthorizationContent(_Content):
    kind: Literal[AlertKind.AUTHORIZATION] = AlertKind.AUTHORIZATION
    state: AuthorizationState
    expires_on: date | None
    days_left: Count | None


class SyncFailingContent(_Content):
    kind: Literal[AlertKind.SYNC_FAILING] = AlertKind.SYNC_FAILING
    consecutive_failures: Count
    last_run_on: date | None


class MessageUnansweredContent(_Content):
    """How many buyer threads are close to 24 hours unanswered, and the hours left on the first:
    counts only (no thread, order, buyer or message text)."""

    kind: Literal[AlertKind.MESSAGE_UNANSWERED] = AlertKind.MESSAGE_UNANSWERED
    threads: Count
    hours_left: Count


AlertContent = Annotated[
    DailySalesContent
    | LowStockContent
    | AcosJumpContent
    | AuthorizationContent
    | SyncFailingContent
    | MessageUnansweredContent,
    Field(discriminator="kind"),
]
