"""Sellers API v1: getMarketplaceParticipations, from the world's sellers (official model shape)."""

from __future__ import annotations

from typing import Any

from sellerflow.marketplaces import marketplace
from sellerflow_dev.simulator.world import SimWorld

# What the Sellers model's Marketplace carries beyond Sellerflow's own marketplace table.
_LANGUAGE_AND_DOMAIN = {
    "US": ("en_US", "www.amazon.com"),
    "CA": ("en_CA", "www.amazon.ca"),
    "DE": ("de_DE", "www.amazon.de"),
    "GB": ("en_GB", "www.amazon.co.uk"),
    "FR": ("fr_FR", "www.amazon.fr"),
    "JP": ("ja_JP", "www.amazon.co.jp"),
}


def marketplace_participations(world: SimWorld, seller_id: str) -> dict[str, Any]:
    """`GET /sellers/v1/marketplaceParticipations` for the seller the access token stands for."""
    with world.lock:
        seller = world.seller(seller_id)
        entries = []
        for marketplace_id in seller.marketplace_ids:
            market = marketplace(marketplace_id)
            language, domain = _LANGUAGE_AND_DOMAIN[market.country_code]
            entries.append(
                {
                    "marketplace": {
                        "id": market.marketplace_id,
                        "name": market.name,
                        "countryCode": market.country_code,
                        "defaultCurrencyCode": market.currency,
                        "defaultLanguageCode": language,
                        "domainName": domain,
                    },
                    "storeName": seller.name,
                    "participation": {"isParticipating": True, "hasSuspendedListings": False},
                }
            )
    return {"payload": entries}
