"""Finances 2024-06-19 listTransactions transaction → FinanceTransactionFact."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sellerflow.errors import InvalidInput
from sellerflow.reports import finance_fact_from_transaction

MODEL = Path("/work/shared/spapi/models/finances-api-model/finances_2024-06-19.json")


def money(amount: str, currency: str = "JPY") -> dict[str, Any]:
    return {"currencyAmount": Decimal(amount), "currencyCode": currency}


TRANSACTION: dict[str, Any] = {
    "sellingPartnerMetadata": {
        "sellingPartnerId": "A3TH9S8BH6GOGM",
        "accountType": "PAYABLE",
        "marketplaceId": "A1VC38T7YXB528",
    },
    "relatedIdentifiers": [
        {"relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID", "relatedIdentifierValue": "FEG-1"},
        {"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": "250-1234567-1234567"},
    ],
    "transactionType": "Shipment",
    "transactionId": "TX-1",
    "transactionStatus": "RELEASED",
    "description": "Order Payment",
    "postedDate": "2026-11-01T16:30:00Z",
    "totalAmount": money("1500"),
    "marketplaceDetails": {"marketplaceId": "A1VC38T7YXB528", "marketplaceName": "Amazon.co.jp"},
    "items": [
        {
            "description": "Blue Mug",
            "totalAmount": money("1500"),
            "contexts": [
                {
                    "contextType": "ProductContext",
                    "asin": "B000000001",
                    "sku": "MUG-1",
                    "quantityShipped": 2,
                    "fulfillmentNetwork": "AFN",
                }
            ],
            "breakdowns": [{"breakdownType": "ProductCharges", "breakdownAmount": money("2000")}],
        }
    ],
    "breakdowns": [
        {
            "breakdownType": "Sales",
            "breakdownAmount": money("2000"),
            "breakdowns": [
                {"breakdownType": "ProductCharges", "breakdownAmount": money("1800")},
                {"breakdownType": "ProductCharges", "breakdownAmount": money("200")},
            ],
        },
        {
            "breakdownType": "Expenses",
            "breakdownAmount": money("-500"),
            "breakdowns": [
                {
                    "breakdownType": "AmazonFees",
                    "breakdownAmount": money("-500"),
                    "breakdowns": [
                        {"breakdownType": "ReferralFee", "breakdownAmount": money("-300")},
                        {"breakdownType": "FBAFulfillmentFee", "breakdownAmount": money("-200")},
                    ],
                },
            ],
        },
    ],
}


def test_transaction_to_fact_with_leaf_breakdowns_summed() -> None:
    fact = finance_fact_from_transaction("S1", TRANSACTION)
    assert fact.transaction_id == "TX-1"
    assert fact.transaction_type == "Shipment"
    assert fact.posted_at == datetime(2026, 11, 1, 16, 30, tzinfo=UTC)
    assert fact.marketplace_id == "A1VC38T7YXB528"
    assert fact.local_date == date(2026, 11, 2)
    assert fact.order_id == "250-1234567-1234567"
    assert fact.sku == "MUG-1"
    assert fact.quantity == 2
    assert fact.total == Decimal(1500)
    assert fact.currency == "JPY"
    assert fact.amounts == (
        ("FBAFulfillmentFee", Decimal(-200)),
        ("ProductCharges", Decimal(2000)),
        ("ReferralFee", Decimal(-300)),
    )


def test_float_amounts_become_exact_decimals_and_item_breakdowns_are_the_fallback() -> None:
    transaction = copy.deepcopy(TRANSACTION)
    del transaction["breakdowns"]
    transaction["totalAmount"] = {"currencyAmount": 10.1, "currencyCode": "USD"}
    transaction["marketplaceDetails"] = {"marketplaceId": "ATVPDKIKX0DER"}
    transaction["items"][0]["breakdowns"] = [
        {"breakdownType": "Tax", "breakdownAmount": {"currencyAmount": 0.1}}
    ]
    fact = finance_fact_from_transaction("S1", transaction)
    assert fact.total == Decimal("10.1")
    assert fact.amounts == (("Tax", Decimal("0.1")),)
    assert fact.marketplace_id == "ATVPDKIKX0DER"
    assert fact.local_date == date(2026, 11, 1)


def test_a_transaction_without_order_or_products() -> None:
    transaction = {
        "transactionId": "TX-2",
        "transactionType": "ServiceFee",
        "postedDate": "2026-11-01T00:00:00Z",
        "totalAmount": {"currencyAmount": -39.99, "currencyCode": "EUR"},
        "marketplaceDetails": {"marketplaceId": "A1PA6795UKMFR9"},
    }
    fact = finance_fact_from_transaction("S1", transaction)
    assert (fact.order_id, fact.sku, fact.quantity, fact.amounts) == (None, None, None, ())
    assert fact.total == Decimal("-39.99")
    assert fact.local_date == date(2026, 11, 1)


def test_unknown_marketplace_and_missing_fields_are_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="unknown marketplace"):
        finance_fact_from_transaction(
            "S1", {**TRANSACTION, "marketplaceDetails": {"marketplaceId": "XX"}, "sellingPartnerMetadata": {}}
        )
    with pytest.raises(InvalidInput, match="postedDate"):
        finance_fact_from_transaction("S1", {**TRANSACTION, "postedDate": "yesterday"})
    with pytest.raises(InvalidInput, match="transactionId"):
        finance_fact_from_transaction("S1", {k: v for k, v in TRANSACTION.items() if k != "transactionId"})


def test_the_official_model_sandbox_example() -> None:
    if not MODEL.exists():
        pytest.skip("models not present")
    model = json.loads(MODEL.read_text(), parse_float=Decimal)
    definitions = model["definitions"]
    assert set(TRANSACTION) <= set(definitions["Transaction"]["properties"])
    assert {"breakdownType", "breakdownAmount", "breakdowns"} == set(definitions["Breakdown"]["properties"])
    static = model["paths"]["/finances/2024-06-19/transactions"]["get"]["responses"]["200"][
        "x-amzn-api-sandbox"
    ]
    (example,) = static["static"][0]["response"]["payload"]["transactions"]
    with pytest.raises(InvalidInput, match="transactionId"):  # the example has none
        finance_fact_from_transaction("S1", example)
    example = {**example, "transactionId": "TX-S"}
    with pytest.raises(InvalidInput, match="unknown marketplace"):  # and its marketplace id is made up
        finance_fact_from_transaction("S1", example)
    example["marketplaceDetails"] = {"marketplaceId": "ATVPDKIKX0DER"}
    fact = finance_fact_from_transaction("S1", example)
    assert fact.order_id == "8129762527551"
    assert fact.total == Decimal(10)
    assert fact.currency == "USD"
