"""Raw buyer mails in Amazon's layout, in the encodings real mailboxes deliver (built by hand, byte
for byte, so that each transfer encoding and charset is really exercised)."""

from __future__ import annotations

import base64
import quopri

RELAY = "3xk9q2m4p7abcd@marketplace.amazon.de"
ORDER = "302-1234567-7654321"
INBOUND = "inbound.test"


def header(*, to: str, subject: str, relay: str = RELAY, extra: str = "") -> str:
    return (
        f'From: "Amazon Marketplace" <{relay}>\r\n'
        f"Reply-To: {relay}\r\n"
        f"To: {to}\r\n"
        f"Subject: {subject}\r\n"
        "Date: Fri, 04 Dec 2026 09:15:00 +0100\r\n"
        f"Message-ID: <msg-{abs(hash(subject)) % 10**8}@amazon.de>\r\n"
        "MIME-Version: 1.0\r\n"
        f"{extra}"
    )


def plain_qp_cp1252(to: str, text: str) -> bytes:
    body = quopri.encodestring(text.encode("windows-1252")).decode("ascii")
    return (
        header(to=to, subject=f"Anfrage zur Bestellung {ORDER}")
        + "Content-Type: text/plain; charset=windows-1252\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + body
    ).encode("ascii")


def html_only_base64_latin1(to: str, markup: str) -> bytes:
    body = base64.encodebytes(markup.encode("iso-8859-1")).decode("ascii")
    return (
        header(to=to, subject="Question from a buyer") + "Content-Type: text/html; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + body
    ).encode("ascii")


def multipart_shift_jis(
    to: str, text: str, *, attachment: bytes = b"%PDF-1.4 fake", order: str = ORDER
) -> bytes:
    plain = base64.encodebytes(text.encode("shift_jis")).decode("ascii")
    pdf = base64.encodebytes(attachment).decode("ascii")
    subject = "=?UTF-8?B?" + base64.b64encode(f"注文 {order} について".encode()).decode() + "?="
    return (
        header(to=to, subject=subject, relay="jp7buyer@marketplace.amazon.co.jp")
        + 'Content-Type: multipart/mixed; boundary="OUTER"\r\n\r\n'
        "--OUTER\r\n"
        'Content-Type: multipart/alternative; boundary="INNER"\r\n\r\n'
        "--INNER\r\n"
        "Content-Type: text/plain; charset=Shift_JIS\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + plain + "\r\n"
        "--INNER\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n<p>ignored when plain exists</p>\r\n"
        "--INNER--\r\n"
        "--OUTER\r\n"
        'Content-Type: application/pdf; name="photo.pdf"\r\n'
        'Content-Disposition: attachment; filename="photo.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + pdf + "\r\n"
        "--OUTER--\r\n"
    ).encode("ascii")


def not_from_relay(to: str) -> bytes:
    return (
        f"From: spammer@example.com\r\nTo: {to}\r\nSubject: Order {ORDER}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nBuy cheap stuff\r\n"
    ).encode()
