"""Finances API 2024-06-19 `listTransactions` transaction → FinanceTransactionFact (no HTTP here).

- amounts: the transaction's breakdowns flattened to their leaves (a breakdown without
  sub-breakdowns), keyed by the leaf's breakdownType, duplicates summed, sorted by type. When the
  transaction has no breakdowns, its items' breakdowns are used instead (never both: the
  transaction's breakdowns already total its items').
- order id: relatedIdentifiers ORDER_ID. sku and quantity: the ProductContext of the items (or of
  the transaction): the sku when all name the same one, quantity the sum of quantityShipped.
- sku_amounts, which SKU each amount belongs to (docs/data-model.md, "Profit per SKU"): per
  breakdown type, each item's own leaves go to its SKU (Amazon's per-item breakdowns); what the
  transaction carries beyond its items' leaves (or all of it, when the items carry none) is split
  over the SKUs in proportion to each item's principal (|ProductCharges|; by quantity when no item
  has one, evenly when neither), in whole cents with the leftover cents to the largest fractions
  (`facts.split_exactly`), so every type's parts sum to its amount exactly. A transaction that
  names no SKU (subscription, storage, other service fees) has none: it is the account's.
- marketplace: marketplaceDetails.marketplaceId, else sellingPartnerMetadata.marketplaceId, else
  `default_marketplace_id`; it must be one Sellerflow knows (its zone gives `local_date`).
- money: Decimal from the JSON number (floats through their shortest repr; pass
  `parse_float=Decimal` when loading to avoid floats entirely).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sellerflow.errors import InvalidInput
from sellerflow.facts import FinanceTransactionFact, split_exactly
from sellerflow.marketplaces import MARKETPLACES, Marketplace
from sellerflow.reports.formats import parse_iso_datetime

PRINCIPAL = "ProductCharges"


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


def _sum_leaves(breakdowns: Iterable[Any], transaction_id: str) -> dict[str, Decimal]:
    """The leaves' amounts by breakdownType, duplicates summed."""
    amounts: dict[str, Decimal] = {}
    for leaf in _leaves(breakdowns):
        kind = leaf.get("breakdownType")
        if not isinstance(kind, str) or not kind:
            continue
        money = leaf.get("breakdownAmount") or {}
        amounts[kind] = amounts.get(kind, Decimal(0)) + _decimal(
            money.get("currencyAmount", 0), f"breakdown {kind}", transaction_id
        )
    return amounts


@dataclass(frozen=True)
class _Item:
    """One item of a transaction that names its SKU: its own leaves and what it weighs in a split."""

    sku: str
    amounts: dict[str, Decimal]
    quantity: int


def _sku_items(transaction: Mapping[str, Any], transaction_id: str) -> list[_Item]:
    items: list[_Item] = []
    for item in transaction.get("items") or []:
        if not isinstance(item, dict):
            continue
        contexts = _product_contexts({"contexts": item.get("contexts")})
        sku = next((c["sku"] for c in contexts if isinstance(c.get("sku"), str) and c["sku"]), None)
        if sku is None:
            continue
        shipped = sum(c["quantityShipped"] for c in contexts if isinstance(c.get("quantityShipped"), int))
        items.append(_Item(sku, _sum_leaves(item.get("breakdowns") or [], transaction_id), shipped))
    return items


def _split_weights(items: list[_Item]) -> list[Decimal]:
    principals = [abs(i.amounts.get(PRINCIPAL, Decimal(0))) for i in items]
    if any(principals):
        return principals
    return [Decimal(abs(i.quantity)) for i in items]  # all zero: split_exactly splits evenly


def _sku_amounts(
    amounts: Mapping[str, Decimal], items: list[_Item], single_sku: str | None, market: Marketplace
) -> tuple[tuple[str, str, Decimal], ...]:
    """Every amount of the transaction given to a SKU (the rule: the module's docstring)."""
    if not items:
        if single_sku is None:
            return ()
        items = [_Item(single_sku, {}, 0)]
    parts: dict[tuple[str, str], Decimal] = {}
    weights = _split_weights(items)
    for kind, amount in amounts.items():
        for item in items:
            own = item.amounts.get(kind, Decimal(0))
            parts[(item.sku, kind)] = parts.get((item.sku, kind), Decimal(0)) + own
        rest = amount - sum((i.amounts.get(kind, Decimal(0)) for i in items), Decimal(0))
        if rest:
            for item, share in zip(
                items, split_exactly(rest, weights, market.currency_decimals), strict=True
            ):
                parts[(item.sku, kind)] += share
    return tuple(sorted((sku, kind, value) for (sku, kind), value in parts.items() if value))


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
    amounts = _sum_leaves(breakdowns, transaction_id)

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
    single_sku = next(iter(skus)) if len(skus) == 1 else None
    return FinanceTransactionFact(
        seller_id=seller_id,
        transaction_id=transaction_id,
        transaction_type=str(transaction.get("transactionType") or "Unknown"),
        posted_at=posted,
        marketplace_id=marketplace.marketplace_id,
        local_date=posted.astimezone(marketplace.tz).date(),
        order_id=order_id or None,
        sku=single_sku,
        quantity=sum(shipped) if shipped else None,
        total=total,
        currency=currency,
        amounts=tuple(sorted(amounts.items())),
        sku_amounts=_sku_amounts(amounts, _sku_items(transaction, transaction_id), single_sku, marketplace),
    )
