"""Review requests' collaborators: the SP-API client, the outcome store, the stored orders and refunds."""

from __future__ import annotations

from sellerflow import wiring
from sellerflow.solicitations.service import ReviewRequester
from sellerflow.store.solicitations import ReviewRequestStore, StoredOrdersAndRefunds


def review_requester() -> ReviewRequester:
    """The seller-sync step's service (tables bound by the wiring's builders, `wiring.seller_store` first)."""
    # The fact store is built only when the run reads orders (a seller who turned review requests on).
    stored = StoredOrdersAndRefunds(wiring.fact_store, wiring.seller_store().marketplaces_of)
    return ReviewRequester(
        api=wiring.spapi_client(), store=ReviewRequestStore(), orders=stored, refunds=stored
    )
