"""What Twilio tells Sellerflow, after its signature was verified: delivery status, opt-out, opt-in.

Status callback (one per change of a message's status): the delivery record of (seller, alert,
number) gets Twilio's status and error code; a status never moves back (a late "sent" after
"delivered" is ignored); error 21610 means the number unsubscribed, so it is marked opted out.
Inbound message: `STOP` (and Twilio's other opt-out keywords) marks the number opted out for every
seller that lists it, at once, so no further alert goes to it; `START` (or `UNSTOP`, `YES`) undoes
only an opt-out the number made itself (an owner's own opt-out stays).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

from sellerflow.alerts.delivery import OPT_OUT_REASON
from sellerflow.alerts.model import Delivery

# Twilio's standard opt-out and opt-in keywords (Advanced Opt-Out defaults), matched on the whole
# message, trimmed, in any case.
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"})
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
UNSUBSCRIBED = 21610
_WHATSAPP = re.compile(r"^whatsapp:(?P<phone>\+[1-9][0-9]{6,14})$")
# Twilio's message statuses in the order they happen; failed/undelivered end a message.
_PROGRESS = ("accepted", "queued", "sending", "sent", "delivered", "read")
_FINAL = frozenset({"failed", "undelivered", "canceled"})


class WebhookResult(enum.StrEnum):
    RECORDED = "recorded"
    STALE = "stale"  # an older status than the one recorded
    UNKNOWN_MESSAGE = "unknown_message"
    OPTED_OUT = "opted_out"
    OPTED_IN = "opted_in"
    IGNORED = "ignored"  # an inbound message that is no keyword (Sellerflow reads no free text)


class WebhookLedger(Protocol):
    def delivery(self, seller_id: str, alert_id: str, phone: str) -> Delivery | None: ...

    def record_provider_status(
        self, seller_id: str, alert_id: str, phone: str, provider_status: str, *,
        error_code: int | None, now: datetime,
    ) -> None: ...  # fmt: skip

    def mark_opted_out(
        self, seller_id: str, phone: str, *, reason: str, now: datetime | None = None
    ) -> None: ...

    def opt_out_everywhere(self, phone: str, *, reason: str, now: datetime) -> int:
        """Mark the number opted out for every seller that lists it; how many recipients changed."""
        ...

    def opt_in_everywhere(self, phone: str, *, reason: str, now: datetime) -> int:
        """Opt the number back in wherever it opted out for `reason`; how many recipients changed."""
        ...


def whatsapp_number(address: str) -> str | None:
    """`whatsapp:+4915...` → `+4915...` (None for anything else)."""
    match = _WHATSAPP.match(address.strip())
    return match["phone"] if match else None


def _rank(status: str) -> int:
    if status in _FINAL:
        return len(_PROGRESS)
    return _PROGRESS.index(status) if status in _PROGRESS else -1


class TwilioWebhooks:
    def __init__(self, *, ledger: WebhookLedger, clock: Callable[[], datetime]) -> None:
        self._ledger = ledger
        self._clock = clock

    def status(self, seller_id: str, alert_id: str, form: Mapping[str, str]) -> WebhookResult:
        phone = whatsapp_number(form.get("To", ""))
        status = form.get("MessageStatus", "").strip().lower()
        if phone is None or not status:
            return WebhookResult.IGNORED
        delivery = self._ledger.delivery(seller_id, alert_id, phone)
        if delivery is None or delivery.message_sid != form.get("MessageSid"):
            return WebhookResult.UNKNOWN_MESSAGE
        if delivery.provider_status and _rank(status) <= _rank(delivery.provider_status.lower()):
            return WebhookResult.STALE
        now = self._clock()
        error = form.get("ErrorCode", "")
        code = int(error) if error.isdigit() else None
        self._ledger.record_provider_status(seller_id, alert_id, phone, status, error_code=code, now=now)
        if code == UNSUBSCRIBED:
            self._ledger.mark_opted_out(seller_id, phone, reason=OPT_OUT_REASON, now=now)
            return WebhookResult.OPTED_OUT
        return WebhookResult.RECORDED

    def inbound(self, form: Mapping[str, str]) -> WebhookResult:
        phone = whatsapp_number(form.get("From", ""))
        keyword = form.get("Body", "").strip().upper()
        if phone is None:
            return WebhookResult.IGNORED
        now = self._clock()
        if keyword in OPT_OUT_KEYWORDS:
            self._ledger.opt_out_everywhere(phone, reason=OPT_OUT_REASON, now=now)
            return WebhookResult.OPTED_OUT
        if keyword in OPT_IN_KEYWORDS:
            self._ledger.opt_in_everywhere(phone, reason=OPT_OUT_REASON, now=now)
            return WebhookResult.OPTED_IN
        return WebhookResult.IGNORED
