"""Finances API 2024-06-19 `listTransactions` transaction → FinanceTransactionFact (no HTTP here).

- amounts: the transaction's breakdowns flattened to their leaves (a breakdown without
  sub-breakdowns), keyed by the leaf's breakdownType, duplicates summed, sorted by type. When the
  transaction has no breakdowns, its items' breakdowns are used instead (never both: the
  transaction's breakdowns already total its items').
- order id: relatedIdentifiers ORDER_ID. sku and quantity: the ProductContext of the items (or of
  the transaction): the sku when all name the same one, quantity the sum of quantityShipped.
- marketplace: marketplaceDetails.marketplaceId, else sellingPartnerMetadata.marketplaceId, else
  `default_marketplace_id`; it must be one Sellerflow knows (its zone gives `local_date`).
- money: Decimal from the JSON number (floats through their shortest repr; pass
  `parse_float=Decimal` when loading to avoid floats entirely).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sellerflow.errors import InvalidInput
from sellerflow.facts import FinanceTransactionFact
from sellerflow.marketplaces import MARKETPLACES
from sellerflow.reports.formats import parse_iso_datetime


def _decimal(value: Any, what: str, transaction_id: str) -> Decimal:
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        if isinstance(value, float):
            value = repr(value)
        result = Decimal(value)
        if not result.is_finite():
            raise InvalidOperation
        return result
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(f"transaction {transaction_id}: {what} is not an amount") from None


def _leaves(breakdowns: Iterable[Any]) -> Iterable[Mapping[str, Any]]:
    for breakdown in breakdowns:
        if not isinstance(breakdown, dict):
            continue
        children = breakdown.get("breakdowns") or []
        if children:
            yield from _leaves(children)
        else:
            yield breakdown


def _product_contexts(transaction: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    contexts: list[Mapping[str, Any]] = []
    sources = [transaction, *[i for i in transaction.get("items") or [] if isinstance(i, dict)]]
    for source in sources:
        for context in source.get("contexts") or []:
            if isinstance(context, dict) and (
                context.get("contextType") == "ProductContext" or "sku" in context or "asin" in context
            ):
                contexts.append(context)
    return contexts


def finance_fact_from_transaction(
    seller_id: str, transaction: Mapping[str, Any], *, default_marketplace_id: str | None = None
) -> FinanceTransactionFact:
    transaction_id = transaction.get("transactionId")
    if not isinstance(transaction_id, str) or not transaction_id:
        raise InvalidInput("transaction has no transactionId")
    posted_text = transaction.get("postedDate")
    if not isinstance(posted_text, str):
        raise InvalidInput(f"transaction {transaction_id}: postedDate is missing")
    try:
        posted = parse_iso_datetime(posted_text)
    except ValueError as exc:
        raise InvalidInput(f"transaction {transaction_id}: postedDate {exc}") from None

    details = transaction.get("marketplaceDetails") or {}
    metadata = transaction.get("sellingPartnerMetadata") or {}
    marketplace_id = details.get("marketplaceId") or metadata.get("marketplaceId") or default_marketplace_id
    marketplace = MARKETPLACES.get(marketplace_id or "")
    if marketplace is None:
        raise InvalidInput(f"transaction {transaction_id}: unknown marketplace {marketplace_id!r}")

    total_amount = transaction.get("totalAmount") or {}
    total = _decimal(total_amount.get("currencyAmount", 0), "totalAmount", transaction_id)
    currency = total_amount.get("currencyCode") or marketplace.currency

    breakdowns = transaction.get("breakdowns") or []
    if not breakdowns:
        breakdowns = [
            b
            for item in transaction.get("items") or []
            if isinstance(item, dict)
            for b in item.get("breakdowns") or []
        ]
    amounts: dict[str, Decimal] = {}
    for leaf in _leaves(breakdowns):
        kind = leaf.get("breakdownType")
        if not isinstance(kind, str) or not kind:
            continue
        money = leaf.get("breakdownAmount") or {}
        amounts[kind] = amounts.get(kind, Decimal(0)) + _decimal(
            money.get("currencyAmount", 0), f"breakdown {kind}", transaction_id
        )

    order_id = next(
        (
            r.get("relatedIdentifierValue")
            for r in transaction.get("relatedIdentifiers") or []
            if isinstance(r, dict) and r.get("relatedIdentifierName") == "ORDER_ID"
        ),
        None,
    )
    contexts = _product_contexts(transaction)
    skus = {c["sku"] for c in contexts if c.get("sku")}
    shipped = [c["quantityShipped"] for c in contexts if isinstance(c.get("quantityShipped"), int)]
    return FinanceTransactionFact(
        seller_id=seller_id,
        transaction_id=transaction_id,
        transaction_type=str(transaction.get("transactionType") or "Unknown"),
        posted_at=posted,
        marketplace_id=marketplace.marketplace_id,
        local_date=posted.astimezone(marketplace.tz).date(),
        order_id=order_id or None,
        sku=skus.pop() if len(skus) == 1 else None,
        quantity=sum(shipped) if shipped else None,
        total=total,
        currency=currency,
        amounts=tuple(sorted(amounts.items())),
    )
