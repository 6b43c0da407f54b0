"""Amazon marketplaces Sellerflow knows: id, country, time zone, currency, SP-API region."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str
    country_code: str
    name: str
    time_zone: str
    currency: str
    region: str  # SP-API endpoint region: na, eu, fe
    currency_decimals: int = 2

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


MARKETPLACES: dict[str, Marketplace] = {
    m.marketplace_id: m
    for m in (
        Marketplace("ATVPDKIKX0DER", "US", "Amazon.com", "America/Los_Angeles", "USD", "na"),
        Marketplace("A2EUQ1WTGCTBG2", "CA", "Amazon.ca", "America/Los_Angeles", "CAD", "na"),
        Marketplace("A1PA6795UKMFR9", "DE", "Amazon.de", "Europe/Berlin", "EUR", "eu"),
        Marketplace("A1F83G8C2ARO7P", "GB", "Amazon.co.uk", "Europe/London", "GBP", "eu"),
        Marketplace("A13V1IB3VIYZZH", "FR", "Amazon.fr", "Europe/Paris", "EUR", "eu"),
        Marketplace("A1VC38T7YXB528", "JP", "Amazon.co.jp", "Asia/Tokyo", "JPY", "fe", 0),
    )
}


def marketplace(marketplace_id: str) -> Marketplace:
    try:
        return MARKETPLACES[marketplace_id]
    except KeyError:
        raise KeyError(f"unknown marketplace id {marketplace_id!r}") from None
