"""Redaction: tokens by shape, PII by field name, and the filter on real log records."""

from __future__ import annotations

import logging

import pytest

from sellerflow.observability import REDACTED, RedactingFilter, redact_text, redact_value

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXBhcnQ"


def _record(msg: object, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("sellerflow", logging.INFO, __file__, 1, msg, args or None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("refreshed with Atzr|IwEBIA-abc+def/ghi=", "Atzr|IwEBIA-abc+def/ghi="),
        ("header x-amz-access-token: Atza|IQEBLj.abc_def-ghi", "Atza|IQEBLj.abc_def-ghi"),
        (f"Bearer {JWT} was expired", JWT),
        ("client_secret=amzn1.oa2-cs.v1.abcdef&grant_type=refresh_token", "amzn1.oa2-cs.v1.abcdef"),
        ('{"client_secret": "s3cr3t-value"}', "s3cr3t-value"),
        ("refresh_token: opaque-value-123", "opaque-value-123"),
    ],
)
def test_token_shaped_strings_are_masked(text: str, secret: str) -> None:
    masked = redact_text(text)
    assert secret not in masked
    assert REDACTED in masked


def test_the_words_around_a_token_survive() -> None:
    assert redact_text("token Atzr|abc refreshed for A1SELLER0001") == "token *** refreshed for A1SELLER0001"
    assert redact_text("client_secret=xyz&code=1") == "client_secret=***&code=1"


def test_ordinary_text_is_left_alone() -> None:
    text = "searchOrders throttled for seller A1SELLER0001; order 111-2223334-5556667"
    assert redact_text(text) == text


def test_pii_fields_are_masked_by_name_at_any_depth() -> None:
    value = {
        "orderId": "111-1",
        "buyerInfo": {"BuyerName": "Jane", "buyerEmail": "jane@example.com"},
        "shipments": [{"deliveryAddress": {"addressLine1": "1 Main St"}, "status": "SHIPPED"}],
        "recipient": {"anything": "at all"},
        "note": "token Atza|abc",
    }
    masked = redact_value(value)
    assert masked["orderId"] == "111-1"
    assert masked["buyerInfo"] == {"BuyerName": REDACTED, "buyerEmail": REDACTED}
    assert masked["shipments"] == [{"deliveryAddress": REDACTED, "status": "SHIPPED"}]
    assert masked["recipient"] == REDACTED
    assert masked["note"] == "token ***"
    assert value["buyerInfo"]["BuyerName"] == "Jane"  # the input is not mutated


def test_tuples_and_non_strings_are_handled() -> None:
    assert redact_value(("Atzr|x", 3, None)) == [REDACTED, 3, None]
    assert redact_value(12.5) == 12.5


def test_the_filter_masks_the_message_args_and_extras_of_a_record() -> None:
    # Given a record with a token in its message and args, and PII in its extras
    record = _record(
        "exchanging %s for %s",
        "Atzr|REFRESH",
        "seller A1",
        buyerName="Jane Buyer",
        order={"deliveryAddress": {"postalCode": "98101"}, "orderId": "111-1"},
        detail="client_secret=abc",
    )
    # When the filter runs
    kept = RedactingFilter().filter(record)
    # Then the record is kept, masked
    assert kept is True
    assert record.getMessage() == "exchanging *** for seller A1"
    assert record.buyerName == REDACTED  # type: ignore[attr-defined]
    assert record.order == {"deliveryAddress": REDACTED, "orderId": "111-1"}  # type: ignore[attr-defined]
    assert record.detail == "client_secret=***"  # type: ignore[attr-defined]


def test_the_filter_masks_a_dict_message() -> None:
    record = _record({"buyerEmail": "jane@example.com", "token": "Atza|abc"})
    RedactingFilter().filter(record)
    assert record.msg == {"buyerEmail": REDACTED, "token": REDACTED}


def test_a_handler_with_the_filter_never_writes_a_token() -> None:
    import io

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    log = logging.getLogger("test_core_observability.handler")
    log.propagate = False
    log.addHandler(handler)
    try:
        log.warning("LWA said %s", "invalid_grant for Atzr|LEAKED-VALUE")
    finally:
        log.removeHandler(handler)
    assert "LEAKED-VALUE" not in stream.getvalue()
    assert "LWA said invalid_grant for ***" in stream.getvalue()


def test_the_filter_keeps_the_loggers_name() -> None:
    record = _record("hello")
    RedactingFilter().filter(record)
    assert record.name == "sellerflow"


def test_the_filter_masks_mapping_style_args() -> None:
    record = _record("buyer %(buyerName)s paid", {"buyerName": "Jane Buyer"})
    RedactingFilter().filter(record)
    assert "Jane" not in record.getMessage()


def test_an_authorization_header_with_an_opaque_bearer_token_is_masked() -> None:
    assert "opaque-credential-42" not in redact_text("Authorization: Bearer opaque-credential-42")
