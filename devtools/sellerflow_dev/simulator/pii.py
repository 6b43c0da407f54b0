"""The buyer-PII canary: every personal value the simulator invents carries a marker.

`PII_MARKER` is ``"pii-canary"``. Every string the simulator puts into an order's ``buyer``
(``buyerName``, ``buyerEmail``, ``buyerCompanyName``) and ``recipient.deliveryAddress`` (``name``,
``companyName``, ``addressLine1``, ``addressLine2``, ``city``, ``stateOrRegion``, ``postalCode``,
``phone``) contains the marker, in some casing, followed by a per-order tag: ``"Jane Doe
PII-CANARY-3f9a"``, ``"pii-canary-3f9a@marketplace.amazon.com"``. The two non-personal
address fields, ``countryCode`` and ``addressType``, are ISO codes and enums and carry no marker.
No other field the simulator produces ever contains it.

So a leak scan is one call: `find_pii_markers(text)` on a log line, a stored item, an API
response or an exported file lists every canary in it, and an empty list means no buyer data
from the simulator leaked there.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

PII_MARKER = "pii-canary"

# The marker, optionally followed by the per-order tag ("-3f9a"); case-insensitive.
_MARKER_RE = re.compile(re.escape(PII_MARKER) + r"(?:-[0-9a-f]{4,})?", re.IGNORECASE)

# Fields of a simulated order that hold a buyer's personal data (dotted paths, model shape).
BUYER_PII_FIELDS: tuple[str, ...] = ("buyerName", "buyerEmail", "buyerCompanyName")
ADDRESS_PII_FIELDS: tuple[str, ...] = (
    "name",
    "companyName",
    "addressLine1",
    "addressLine2",
    "city",
    "stateOrRegion",
    "postalCode",
    "phone",
)


def find_pii_markers(text: str) -> list[str]:
    """Every occurrence of the PII marker in `text` (with its tag when present), in order."""
    return [match.group(0) for match in _MARKER_RE.finditer(text)]


def new_tag(rng: random.Random) -> str:
    """A short hex tag that tells one order's canaries from another's."""
    return f"{rng.getrandbits(16):04x}"


def upper_marker(tag: str) -> str:
    """The marker as it appears inside names and address lines: ``PII-CANARY-3f9a``."""
    return f"{PII_MARKER.upper()}-{tag}"


def lower_marker(tag: str) -> str:
    """The marker as it appears inside e-mail addresses and phone numbers: ``pii-canary-3f9a``."""
    return f"{PII_MARKER}-{tag}"


def iter_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string leaf of a JSON-like value with its dotted path (list indexes as ``[i]``)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from iter_strings(child, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from iter_strings(child, f"{path}[{index}]")
