"""Buyer messages as Amazon's relay delivers them: raw MIME (.eml) in Amazon's layout, in the
encodings real mailboxes see (quoted-printable windows-1252, base64 HTML-only ISO-8859-1,
multipart Shift_JIS with an attachment, plain UTF-8), written by invented buyers whose names,
addresses, phones and e-mails are the orders' own — each carrying the PII canary
(`sellerflow_dev.simulator.pii`). Deterministic for a (world seed, seller).
"""

from __future__ import annotations

import base64
import quopri
import random
from dataclasses import dataclass
from typing import Any

from sellerflow_dev.simulator.pii import find_pii_markers

_RELAY_DOMAINS = {
    "ATVPDKIKX0DER": "marketplace.amazon.com",
    "A2EUQ1WTGCTBG2": "marketplace.amazon.ca",
    "A1F83G8C2ARO7P": "marketplace.amazon.co.uk",
    "A1PA6795UKMFR9": "marketplace.amazon.de",
    "A1VC38T7YXB528": "marketplace.amazon.co.jp",
}
_FOOTER = (
    "\n\n------------- End message -------------\n\n"
    "Was this email helpful?\nCopyright 2026 Amazon, Inc. or its affiliates. All rights reserved.\n"
)


@dataclass(frozen=True)
class SimBuyerMail:
    order_id: str
    relay_address: str
    intent: str
    encoding: str
    raw: bytes

    def markers(self) -> list[str]:
        return find_pii_markers(self.raw.decode("latin-1"))


def _texts(buyer: dict[str, Any], address: dict[str, Any], order_id: str) -> dict[str, tuple[str, str]]:
    """(subject, body) per intent; the buyer writes their own name, address, phone into them."""
    name = buyer.get("buyerName") or address.get("name") or ""
    street = address.get("addressLine1", "")
    city_line = f"{address.get('postalCode', '')} {address.get('city', '')}".strip()
    phone = address.get("phone", "")
    email = buyer.get("buyerEmail", "")
    return {
        "where_is_my_order": (
            f"Inquiry from Amazon customer {name} (Order: {order_id})",
            f"Hello,\n\nmy name is {name} and my order {order_id} has not arrived yet. Where is my order?\n"
            f"It should come to this address:\n{street}\n{city_line}\n\nYou can call me on {phone}.\n\n"
            f"Thanks,\n{name}",
        ),
        "damaged_item": (
            f"Item arrived damaged - Order {order_id}",
            f"Hi,\n\nthe item from order {order_id} arrived broken, the box was crushed. I am {name}, "
            f"please send a replacement to {street}, {city_line}.\n\nKind regards\n{name}\n{email}",
        ),
        "invoice_request": (
            f"注文 {order_id} の領収書について",
            f"こんにちは。\n\n注文 {order_id} の領収書を送っていただけますか。\n住所: {street} {city_line}\n\n"
            f"よろしくお願いします。\n{name}",
        ),
        "cancellation": (
            f"Cancel order {order_id}",
            f"Dear seller,\n\nplease cancel my order {order_id}, I ordered it twice by mistake.\n\n"
            f"Best regards,\n{name}\n{phone}",
        ),
        "return": (
            f"Return request (Order: {order_id})",
            f"Hello, this is {name}. I would like to return the item of order {order_id} for a refund, "
            f"it does not fit.\n\nThank you\n{name}",
        ),
    }


def _header(relay: str, seller_email: str, subject: str, message_id: str, extra: str) -> str:
    encoded = "=?UTF-8?B?" + base64.b64encode(subject.encode()).decode() + "?="
    return (
        f'From: "Amazon Marketplace" <{relay}>\r\nReply-To: {relay}\r\nTo: {seller_email}\r\n'
        f"Subject: {encoded}\r\nDate: Fri, 04 Dec 2026 09:15:00 +0000\r\nMessage-ID: <{message_id}@amazon.com>\r\n"
        f"MIME-Version: 1.0\r\n{extra}"
    )


def _encode(encoding: str, body: str, head: str) -> bytes:
    if encoding == "qp-cp1252":
        data = quopri.encodestring(body.encode("windows-1252", errors="replace")).decode("ascii")
        return (head + "Content-Type: text/plain; charset=windows-1252\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + data).encode("ascii")  # fmt: skip
    if encoding == "html-latin1":
        markup = "<html><body>" + "".join(f"<p>{line}</p>" for line in body.split("\n")) + "</body></html>"
        data = base64.encodebytes(markup.encode("iso-8859-1", errors="replace")).decode("ascii")
        return (head + "Content-Type: text/html; charset=iso-8859-1\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n" + data).encode("ascii")  # fmt: skip
    if encoding == "multipart-sjis":
        text = base64.encodebytes(body.encode("shift_jis", errors="replace")).decode("ascii")
        photo = base64.encodebytes(b"\x89PNG\r\n\x1a\n fake photo").decode("ascii")
        return (
            head + 'Content-Type: multipart/mixed; boundary="B1"\r\n\r\n--B1\r\n'
            "Content-Type: text/plain; charset=Shift_JIS\r\nContent-Transfer-Encoding: base64\r\n\r\n" + text +
            '\r\n--B1\r\nContent-Type: image/png; name="photo.png"\r\nContent-Disposition: attachment; '
            'filename="photo.png"\r\nContent-Transfer-Encoding: base64\r\n\r\n' + photo + "\r\n--B1--\r\n"
        ).encode("ascii")  # fmt: skip
    return (
        head + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + body.encode()


ENCODINGS = ("qp-cp1252", "html-latin1", "multipart-sjis", "utf8")
ENCODING_OF = {
    "where_is_my_order": "qp-cp1252",
    "damaged_item": "html-latin1",
    "invoice_request": "multipart-sjis",  # the Japanese buyer's mail
    "cancellation": "utf8",
    "return": "qp-cp1252",
}


def buyer_mails(world: Any, seller_id: str, *, count: int = 3, seed: int | None = None) -> list[SimBuyerMail]:
    """`count` buyer messages about the seller's orders, each intent and encoding in turn."""
    rng = random.Random(f"{seed if seed is not None else world.seed}:messages:{seller_id}")
    orders = [o for o in world.orders(seller_id) if o.get("buyer")]
    rng.shuffle(orders)
    seller_email = f"orders@{seller_id.lower()}.example"
    mails = []
    intents = ("where_is_my_order", "damaged_item", "invoice_request", "cancellation", "return")
    for index, order in enumerate(orders[:count]):
        order_id = order["orderId"]
        relay_domain = _RELAY_DOMAINS.get(order["salesChannel"]["marketplaceId"], "marketplace.amazon.com")
        relay = f"{rng.getrandbits(48):012x}{index}@{relay_domain}"
        intent = intents[index % len(intents)]
        encoding = ENCODING_OF[intent]
        address = (order.get("recipient") or {}).get("deliveryAddress") or {}
        subject, body = _texts(order["buyer"], address, order_id)[intent]
        head = _header(relay, seller_email, subject, f"{rng.getrandbits(64):016x}", "")
        mails.append(SimBuyerMail(order_id, relay, intent, encoding, _encode(encoding, body + _FOOTER, head)))
    return mails
