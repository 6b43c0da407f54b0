"""to_order: SP-API order document -> Sellerflow Order (money exact, local day right, no PII)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerflow.errors import InvalidInput
from sellerflow.marketplaces import MARKETPLACES
from sellerflow.sync.mapping import to_order

OrderDocumentFactory = Callable[..., dict[str, Any]]
SELLER = "A1SELLER0001"
US = "ATVPDKIKX0DER"
JP = "A1VC38T7YXB528"
DE = "A1PA6795UKMFR9"

amounts = st.decimals(
    min_value=Decimal("-99999.99"),
    max_value=Decimal("99999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


def test_an_order_maps_with_its_lines_and_breakdowns(make_order_document: OrderDocumentFactory) -> None:
    order = to_order(SELLER, make_order_document())
    assert order.seller_id == SELLER
    assert order.order_id == "111-0000001-0000001"
    assert order.marketplace_id == US
    assert order.status == "SHIPPED"
    assert order.fulfilled_by == "AMAZON"
    assert order.fulfillment_service_level == "STANDARD"
    assert order.currency == "USD"
    assert order.order_total == Decimal("25.98")
    assert order.programs == ("PRIME",)
    (line,) = order.lines
    assert line.order_item_id == "OI-1"
    assert line.asin == "B0TEST0001"
    assert line.seller_sku == "SKU-1"
    assert line.quantity_ordered == 2
    assert line.quantity_shipped == 1
    assert line.unit_price == Decimal("9.995")
    assert line.item_price == Decimal("19.99")
    assert line.shipping_price == Decimal("5.99")
    assert line.promotion_discount == Decimal("1.00")  # a discount is kept as a positive amount
    assert line.proceeds_total == Decimal("25.98")
    assert line.promotion_ids == ("PROMO-1",)


def test_money_is_decimal_never_float(make_order_document: OrderDocumentFactory) -> None:
    order = to_order(SELLER, make_order_document())
    values = [
        order.order_total,
        *(
            getattr(order.lines[0], f)
            for f in ("unit_price", "item_price", "shipping_price", "promotion_discount", "proceeds_total")
        ),
    ]
    assert all(type(v) is Decimal for v in values)
    assert '"order_total":"25.98"' in order.model_dump_json()


def test_a_json_number_amount_does_not_pick_up_binary_float_noise(
    make_order_document: OrderDocumentFactory,
) -> None:
    document = make_order_document()
    document["proceeds"]["grandTotal"]["amount"] = 0.1
    assert to_order(SELLER, document).order_total == Decimal("0.1")


def test_breakdowns_of_the_same_type_are_summed(make_order_document: OrderDocumentFactory) -> None:
    document = make_order_document()
    breakdowns = document["orderItems"][0]["proceeds"]["breakdowns"]
    breakdowns.append({"type": "ITEM", "subtotal": {"amount": "0.01", "currencyCode": "USD"}})
    breakdowns.append({"type": "TAX", "subtotal": {"amount": "2.00", "currencyCode": "USD"}})
    line = to_order(SELLER, document).lines[0]
    assert line.item_price == Decimal("20.00")
    assert line.shipping_price == Decimal("5.99")


def test_an_item_without_proceeds_has_no_prices_but_keeps_its_unit_price(
    make_order_document: OrderDocumentFactory,
) -> None:
    document = make_order_document()
    del document["orderItems"][0]["proceeds"]
    del document["orderItems"][0]["promotion"]
    del document["orderItems"][0]["fulfillment"]
    line = to_order(SELLER, document).lines[0]
    assert (line.item_price, line.shipping_price, line.promotion_discount, line.proceeds_total) == (None,) * 4
    assert line.unit_price == Decimal("9.995")
    assert line.quantity_shipped == 0
    assert line.promotion_ids == ()


def test_an_order_without_proceeds_or_fulfillment_is_pending_in_the_marketplace_currency(
    make_order_document: OrderDocumentFactory,
) -> None:
    document = make_order_document(marketplace_id=DE)
    del document["proceeds"]
    del document["fulfillment"]
    order = to_order(SELLER, document)
    assert order.status == "PENDING"
    assert order.order_total is None
    assert order.currency == "EUR"
    assert order.fulfilled_by is None


@pytest.mark.parametrize(
    ("marketplace_id", "created", "local"),
    [
        (JP, "2026-03-01T16:30:00Z", date(2026, 3, 2)),  # Asia/Tokyo, UTC+9
        (JP, "2026-03-01T14:59:59Z", date(2026, 3, 1)),
        (US, "2026-03-01T05:00:00Z", date(2026, 2, 28)),  # America/Los_Angeles, UTC-8 in winter
        (US, "2026-03-01T08:00:00Z", date(2026, 3, 1)),
        (US, "2026-07-01T06:59:00Z", date(2026, 6, 30)),  # PDT, UTC-7
        (US, "2026-07-01T07:00:00Z", date(2026, 7, 1)),
        (DE, "2026-03-01T23:30:00Z", date(2026, 3, 2)),  # Europe/Berlin, UTC+1
        (DE, "2026-03-01T23:30:00+09:00", date(2026, 3, 1)),  # any offset is read as the instant it names
    ],
)
def test_the_local_date_is_the_marketplaces_calendar_day(
    make_order_document: OrderDocumentFactory, marketplace_id: str, created: str, local: date
) -> None:
    order = to_order(SELLER, make_order_document(marketplace_id=marketplace_id, created=created))
    assert order.local_date == local


def test_the_marketplace_time_zones_are_the_expected_ones() -> None:
    assert MARKETPLACES[JP].time_zone == "Asia/Tokyo"
    assert MARKETPLACES[US].time_zone == "America/Los_Angeles"
    assert MARKETPLACES[JP].currency_decimals == 0


def test_buyer_and_recipient_never_reach_the_order(make_order_document: OrderDocumentFactory) -> None:
    # Given a document whose buyer and recipient fields all carry a canary
    document = make_order_document(with_pii=True)
    # When it is mapped
    order = to_order(SELLER, document)
    # Then no trace of them is in the output
    dumped = order.model_dump_json()
    assert "pii-canary" not in dumped
    assert "98101" not in dumped
    assert "buyer" not in dumped.lower()
    assert "recipient" not in dumped.lower()


@pytest.mark.parametrize("field", ["orderItems", "createdTime", "lastUpdatedTime", "salesChannel"])
def test_a_missing_required_field_is_invalid_input_naming_order_and_field(
    make_order_document: OrderDocumentFactory, field: str
) -> None:
    document = make_order_document("111-MISSING")
    del document[field]
    with pytest.raises(InvalidInput) as raised:
        to_order(SELLER, document)
    message = str(raised.value)
    assert "111-MISSING" in message
    assert field in message
    assert "pii-canary" not in message


def test_a_nested_invalid_value_is_named_by_its_path_without_echoing_values(
    make_order_document: OrderDocumentFactory,
) -> None:
    document = make_order_document("111-NESTED")
    document["orderItems"][0]["quantityOrdered"] = -1
    document["buyer"]["buyerName"] = {"unexpected": "pii-canary"}
    with pytest.raises(InvalidInput) as raised:
        to_order(SELLER, document)
    assert "orderItems.0.quantityOrdered" in str(raised.value)
    assert "-1" not in str(raised.value)
    assert "pii-canary" not in str(raised.value)


def test_an_order_without_an_id_is_named_as_unknown(make_order_document: OrderDocumentFactory) -> None:
    document = make_order_document()
    del document["orderId"]
    with pytest.raises(InvalidInput, match=r"order \? .*orderId"):
        to_order(SELLER, document)


@pytest.mark.parametrize("marketplace_id", ["MARS", None])
def test_an_unknown_marketplace_is_invalid_input(
    make_order_document: OrderDocumentFactory, marketplace_id: str | None
) -> None:
    document = make_order_document("111-ELSEWHERE", marketplace_id=marketplace_id)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as raised:
        to_order(SELLER, document)
    assert "111-ELSEWHERE" in str(raised.value)
    assert "unknown marketplace" in str(raised.value)
    assert "pii-canary" not in str(raised.value)


# The fixture is a pure builder, so sharing it across Hypothesis examples is safe.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(total=amounts, item=amounts, shipping=amounts, discount=amounts)
def test_amounts_survive_mapping_exactly(
    make_order_document: OrderDocumentFactory,
    total: Decimal,
    item: Decimal,
    shipping: Decimal,
    discount: Decimal,
) -> None:
    document = make_order_document(
        grand_total=str(total),
        item_amount=str(item),
        shipping_amount=str(shipping),
        discount_amount=str(discount),
    )
    order = to_order(SELLER, document)
    line = order.lines[0]
    assert order.order_total == total
    assert line.proceeds_total == total
    assert line.item_price == item
    assert line.shipping_price == shipping
    assert line.promotion_discount == abs(discount)
    assert line.item_price + line.shipping_price - line.promotion_discount == item + shipping - abs(discount)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(amounts, min_size=1, max_size=8))
def test_a_split_item_price_sums_exactly(
    make_order_document: OrderDocumentFactory, parts: list[Decimal]
) -> None:
    document = make_order_document()
    document["orderItems"][0]["proceeds"]["breakdowns"] = [
        {"type": "ITEM", "subtotal": {"amount": str(p), "currencyCode": "USD"}} for p in parts
    ]
    assert to_order(SELLER, document).lines[0].item_price == sum(parts, Decimal(0))
