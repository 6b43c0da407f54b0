"""Invented buyers and delivery addresses; every personal string carries the PII canary."""

from __future__ import annotations

import random
from typing import Any

from sellerflow_dev.simulator.pii import lower_marker, new_tag, upper_marker

_FIRST = {
    "US": ("Jane", "John", "Maria", "David", "Aisha", "Chris"),
    "CA": ("Emma", "Liam", "Olivia", "Noah", "Chloe"),
    "GB": ("Oliver", "Amelia", "Harry", "Isla", "George"),
    "DE": ("Lena", "Jonas", "Mia", "Lukas", "Hannah"),
    "JP": ("Yuki", "Haruto", "Sakura", "Ren", "Aoi"),
}
_LAST = {
    "US": ("Doe", "Smith", "Garcia", "Johnson", "Nguyen"),
    "CA": ("Tremblay", "Roy", "Wilson", "Martin"),
    "GB": ("Taylor", "Brown", "Evans", "Wright"),
    "DE": ("Müller", "Schmidt", "Weber", "Fischer"),
    "JP": ("Sato", "Suzuki", "Takahashi", "Tanaka"),
}
_STREETS = {
    "US": ("Elm St", "Oak Ave", "Maple Dr", "Pine Rd"),
    "CA": ("King St W", "Queen St E", "Rue Sainte-Catherine"),
    "GB": ("High Street", "Station Road", "Church Lane"),
    "DE": ("Hauptstraße", "Bahnhofstraße", "Gartenweg"),
    "JP": ("Shibuya", "Umeda", "Sakae"),
}
# (city, state or region, postal code, phone prefix)
_PLACES = {
    "US": (("Seattle", "WA", "98101", "+1-206-555-01"), ("Austin", "TX", "73301", "+1-512-555-01")),
    "CA": (("Toronto", "ON", "M5H 2N2", "+1-416-555-01"), ("Montréal", "QC", "H2Y 1C6", "+1-514-555-01")),
    "GB": (
        ("London", "England", "SW1A 1AA", "+44 20 7946 0"),
        ("Leeds", "England", "LS1 4AP", "+44 113 496 0"),
    ),
    "DE": (("Berlin", "BE", "10115", "+49 30 901820"), ("München", "BY", "80331", "+49 89 123450")),
    "JP": (("Tokyo", "Tokyo", "150-0002", "+81 3-1234-56"), ("Osaka", "Osaka", "530-0001", "+81 6-1234-56")),
}
_EMAIL_DOMAINS = {
    "US": "marketplace.amazon.com",
    "CA": "marketplace.amazon.ca",
    "GB": "marketplace.amazon.co.uk",
    "DE": "marketplace.amazon.de",
    "JP": "marketplace.amazon.co.jp",
}


def _street_line(rng: random.Random, country: str) -> str:
    number = rng.randint(1, 240)
    street = rng.choice(_STREETS[country])
    if country == "DE":
        return f"{street} {number}"
    if country == "JP":
        return f"{rng.randint(1, 5)}-{rng.randint(1, 30)}-{number % 20 + 1} {street}"
    return f"{number} {street}"


def invent_buyer(
    rng: random.Random, country: str, *, with_email: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A (buyer, recipient) pair in model shape for one order shipped to `country`."""
    country = country if country in _FIRST else "US"
    tag = new_tag(rng)
    marked = upper_marker(tag)
    name = f"{rng.choice(_FIRST[country])} {rng.choice(_LAST[country])} {marked}"
    city, region, postal, phone_prefix = rng.choice(_PLACES[country])
    buyer: dict[str, Any] = {"buyerName": name}
    if with_email:
        buyer["buyerEmail"] = f"{lower_marker(tag)}@{_EMAIL_DOMAINS[country]}"
    address = {
        "name": name,
        "addressLine1": f"{_street_line(rng, country)} {marked}",
        "city": f"{city} {marked}",
        "stateOrRegion": f"{region} {marked}",
        "postalCode": f"{postal} {marked}",
        "countryCode": country,
        "phone": f"{phone_prefix}{rng.randint(0, 99):02d} {lower_marker(tag)}",
        "addressType": "RESIDENTIAL",
    }
    return buyer, {"deliveryAddress": address}
