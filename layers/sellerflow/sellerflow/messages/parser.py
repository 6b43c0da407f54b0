"""Raw MIME → a parsed buyer message, with the standard library's `email` (policy `default`).

Handles multipart (alternative, mixed, related, nested), HTML-only mail (converted to text),
quoted-printable and base64 transfer encodings, any charset Python knows (windows-1252, ISO-8859-x,
Shift_JIS, ...; an unknown or wrong one decodes with replacement characters rather than failing),
attachments (metadata only: name, type, size), and Amazon's layout: the buyer's anonymised relay
address in `Reply-To` or `From` (`…@marketplace.amazon.<tld>`), the order id (`123-1234567-1234567`)
in the subject or the body. Nothing here logs or raises with message text in it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

from sellerflow.messages.model import ORDER_ID_RE, RELAY_RE, Attachment

# Amazon's buyer-seller messaging footer and quoted history start here; what follows is not the
# buyer's new text (kept out of drafts, still part of the stored body).
_AMAZON_MARKERS = (
    re.compile(r"^-{2,}\s*(?:Original message|Message d'origine|Ursprüngliche Nachricht)", re.I | re.M),
    re.compile(r"^\s*Was this email helpful\?", re.I | re.M),
    re.compile(r"^-{5,}\s*End message", re.I | re.M),
    re.compile(r"^\s*Copyright \d{4} Amazon", re.I | re.M),
)
_BLOCK_TAGS = re.compile(r"<\s*(?:br|/p|/div|/tr|/li|/h[1-6])\b[^>]*>", re.I)
_DROP_TAGS = re.compile(r"<\s*(script|style|head)\b.*?<\s*/\s*\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
MAX_BODY_CHARS = 20_000


class NotParseable(ValueError):
    """The bytes are not a mail message (no headers at all)."""


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str | None
    in_reply_to: str | None
    subject: str
    from_address: str | None
    reply_to: str | None
    recipients: tuple[str, ...]  # To, Cc, Delivered-To, X-Original-To (lower case)
    sent_at: datetime | None
    text: str  # the whole text body (HTML converted), at most MAX_BODY_CHARS
    attachments: tuple[Attachment, ...] = ()
    order_id: str | None = None
    relay_address: str | None = None
    defects: int = 0
    charsets: tuple[str, ...] = field(default=())

    def __repr__(self) -> str:  # never the text, never an address
        return (
            f"ParsedMessage(order_id={self.order_id!r}, attachments={len(self.attachments)}, "
            f"chars={len(self.text)}, relay={'yes' if self.relay_address else 'no'})"
        )

    @property
    def buyer_text(self) -> str:
        """The new text only: Amazon's footer and the quoted history cut off."""
        cut = len(self.text)
        for marker in _AMAZON_MARKERS:
            found = marker.search(self.text)
            if found:
                cut = min(cut, found.start())
        return self.text[:cut].strip()


def html_to_text(markup: str) -> str:
    text = _DROP_TAGS.sub("", markup)
    text = _BLOCK_TAGS.sub("\n", text)
    text = _TAG.sub("", text)
    text = html.unescape(text).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _decoded(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("utf-8", errors="replace")


def _addresses(message: EmailMessage, *names: str) -> list[str]:
    values: list[str] = []
    for name in names:
        values.extend(str(v) for v in message.get_all(name, []) or [])
    return [address.strip().lower() for _, address in getaddresses(values) if address and "@" in address]


def _first(message: EmailMessage, name: str) -> str | None:
    found = _addresses(message, name)
    return found[0] if found else None


def _header(message: EmailMessage, name: str) -> str | None:
    try:
        value = message.get(name)
    except (ValueError, IndexError):  # a malformed header the default policy cannot fold
        return None
    return str(value).strip() if value is not None else None


def parse(raw: bytes) -> ParsedMessage:
    """Parse one message. Raises `NotParseable` only for input with no mail headers at all."""
    message = message_from_bytes(raw, policy=policy.default)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise NotParseable("not a mail message: no headers")
    plain: list[str] = []
    markup: list[str] = []
    attachments: list[Attachment] = []
    charsets: list[str] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        content_type = part.get_content_type()
        if disposition == "attachment" or not content_type.startswith("text/"):
            payload = part.get_payload(decode=True)
            attachments.append(
                Attachment(
                    filename=part.get_filename(),
                    content_type=content_type,
                    size=len(payload) if isinstance(payload, bytes) else 0,
                )
            )
            continue
        if part.get_content_charset():
            charsets.append(str(part.get_content_charset()))
        if content_type == "text/plain":
            plain.append(_decoded(part))
        elif content_type == "text/html":
            markup.append(_decoded(part))
    text = "\n\n".join(t.strip() for t in plain if t.strip()) or "\n\n".join(
        html_to_text(m) for m in markup if m.strip()
    )
    text = text.replace("\r\n", "\n")[:MAX_BODY_CHARS]
    subject = _header(message, "Subject") or ""
    reply_to = _first(message, "Reply-To")
    from_address = _first(message, "From")
    relay = next((a for a in (reply_to, from_address) if a and RELAY_RE.match(a)), None)
    order = ORDER_ID_RE.search(subject) or ORDER_ID_RE.search(text)
    sent_at = None
    date = _header(message, "Date")
    if date:
        try:
            sent_at = parsedate_to_datetime(date)
            sent_at = sent_at.astimezone(UTC) if sent_at.tzinfo else sent_at.replace(tzinfo=UTC)
        except (TypeError, ValueError):
            sent_at = None
    return ParsedMessage(
        message_id=_header(message, "Message-ID"),
        in_reply_to=_header(message, "In-Reply-To"),
        subject=subject,
        from_address=from_address,
        reply_to=reply_to,
        recipients=tuple(_addresses(message, "To", "Cc", "Delivered-To", "X-Original-To")),
        sent_at=sent_at,
        text=text,
        attachments=tuple(attachments),
        order_id=order.group(1) if order else None,
        relay_address=relay,
        defects=len(message.defects) + sum(len(p.defects) for p in message.walk() if p is not message),
        charsets=tuple(charsets),
    )
