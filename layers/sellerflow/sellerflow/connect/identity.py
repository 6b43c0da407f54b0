"""Is the Amazon account behind a consent's refresh token the seller the callback names?

The website authorization workflow hands Sellerflow the seller id (`selling_partner_id`) through the
browser's redirect, where a user can edit it; the LWA token exchange does not return it and no
SP-API operation Sellerflow may call returns it either (getMarketplaceParticipations and getAccount
describe the account, not its id). So the id itself cannot be proven; what the token can prove is
*which account it reaches*, and that is compared with what is stored for a seller already connected:

    same seller  <=>  the token's participating marketplaces include one the stored seller
                      participates in, under the store name stored for it (case-insensitive).

Marketplaces alone would not do (most sellers sell in the same few marketplaces), and store names
alone may collide across regions; the pair is what a different account almost never shares. A seller
that renamed its store and changed every marketplace since its last connection fails the proof and
must be reconnected by erasing it first (docs/compliance.md, "Seller id squatting").
"""

from __future__ import annotations

from collections.abc import Sequence

from sellerflow.amazon.spapi import MarketplaceParticipation
from sellerflow.domain import SellerProfile


def participating(participations: Sequence[MarketplaceParticipation]) -> list[MarketplaceParticipation]:
    return [p for p in participations if p.participation.is_participating]


def is_same_seller(stored: SellerProfile, participations: Sequence[MarketplaceParticipation]) -> bool:
    """True when the token's participations show the stored seller (see the module docstring)."""
    stored_name = stored.name.strip().casefold()
    stored_markets = set(stored.marketplace_ids)
    return any(
        p.marketplace.id in stored_markets and (p.store_name or "").strip().casefold() == stored_name
        for p in participating(participations)
    )


def describe(participations: Sequence[MarketplaceParticipation]) -> str:
    """What the token showed, for the audit record (store names and marketplace ids, no secrets)."""
    shown = participating(participations)
    names = sorted({p.store_name or "?" for p in shown})
    markets = sorted({p.marketplace.id for p in shown})
    return f"store={'|'.join(names) or '-'} marketplaces={','.join(markets) or '-'}"
