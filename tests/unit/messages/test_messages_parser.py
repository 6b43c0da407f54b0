"""The parser on the encodings buyer mail arrives in, and Amazon's layout."""

from __future__ import annotations

import pytest
from eml_samples import (
    ORDER,
    RELAY,
    html_only_base64_latin1,
    multipart_shift_jis,
    not_from_relay,
    plain_qp_cp1252,
)

from sellerflow.messages.parser import NotParseable, html_to_text, parse

TO = "sabc-123456789abc@inbound.test"


def test_quoted_printable_windows_1252_keeps_umlauts_and_euro() -> None:
    parsed = parse(plain_qp_cp1252(TO, "Grüße, wo ist meine Bestellung? Preis 12 € — danke\n"))
    assert "Grüße" in parsed.text
    assert "12 €" in parsed.text
    assert "—" in parsed.text
    assert parsed.order_id == ORDER
    assert parsed.relay_address == RELAY
    assert TO in parsed.recipients
    assert parsed.charsets == ("windows-1252",)


def test_html_only_base64_latin1_becomes_text() -> None:
    markup = (
        "<html><head><style>p{}</style></head><body><p>Bonjour,</p><p>Commande n&deg; "
        f"{ORDER} pas reçue.<br>Merci</p><script>x()</script></body></html>"
    )
    parsed = parse(html_only_base64_latin1(TO, markup))
    assert parsed.text.splitlines() == ["Bonjour,", f"Commande n° {ORDER} pas reçue.", "Merci"]
    assert parsed.order_id == ORDER  # from the body: the subject names none


def test_multipart_shift_jis_with_attachment_metadata_only() -> None:
    parsed = parse(multipart_shift_jis(TO, "商品が届いていません。\n"))
    assert parsed.text == "商品が届いていません。"
    assert parsed.subject == f"注文 {ORDER} について"
    assert parsed.order_id == ORDER
    assert parsed.relay_address == "jp7buyer@marketplace.amazon.co.jp"
    assert [(a.filename, a.content_type, a.size) for a in parsed.attachments] == [
        ("photo.pdf", "application/pdf", len(b"%PDF-1.4 fake"))
    ]


def test_unknown_charset_decodes_with_replacement_instead_of_failing() -> None:
    raw = (
        f"From: {RELAY}\r\nTo: {TO}\r\nSubject: hi\r\nContent-Type: text/plain; charset=x-made-up\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + "caf\u00e9".encode("latin-1")
    parsed = parse(raw)
    assert parsed.text.startswith("caf")
    assert parsed.order_id is None


def test_mail_not_from_the_relay_has_no_relay_address() -> None:
    parsed = parse(not_from_relay(TO))
    assert parsed.relay_address is None
    assert parsed.from_address == "spammer@example.com"


def test_relay_address_tlds() -> None:
    for relay in ("a1@marketplace.amazon.com", "b2@marketplace.amazon.co.uk", "c3@marketplace.amazon.com.au"):
        assert parse(f"From: {relay}\r\nSubject: x\r\n\r\nhello".encode()).relay_address == relay
    assert parse(b"From: a@marketplace.amazon.evil.com\r\nSubject: x\r\n\r\nhi").relay_address is None


def test_no_headers_is_not_parseable() -> None:
    with pytest.raises(NotParseable):
        parse(b"")


def test_buyer_text_cuts_amazon_footer_and_repr_hides_text() -> None:
    raw = f"From: {RELAY}\r\nSubject: x\r\n\r\nWhere is it?\r\n\r\nWas this email helpful?\r\nCopyright 2026 Amazon".encode()
    parsed = parse(raw)
    assert parsed.buyer_text == "Where is it?"
    assert "Where" not in repr(parsed)
    assert RELAY not in repr(parsed)


def test_html_to_text_unescapes_and_drops_scripts() -> None:
    assert html_to_text("<div>a&amp;b</div><script>evil()</script><div>c&nbsp;d</div>") == "a&b\nc d"
