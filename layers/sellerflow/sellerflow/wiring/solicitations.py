"""Review requests' collaborators: the SP-API client, the outcome store, the stored orders and refunds."""

from __future__ import annotations

from sellerflow import wiring
from sellerflow.solicitations.service import ReviewRequester
from sellerflow.store.solicitations import ReviewRequestStore, StoredOrdersAndRefunds


def review_requester() -> ReviewRequester:
    """The seller-sync step's service (tables bound by `wiring.fact_store`)."""
    stored = StoredOrdersAndRefunds(wiring.fact_store(), wiring.seller_store().marketplaces_of)
    return ReviewRequester(
        api=wiring.spapi_client(), store=ReviewRequestStore(), orders=stored, refunds=stored
    )
