"""Masking buyer PII before anything is logged, traced, audited or put in an error message."""

from __future__ import annotations

import re
from typing import Any

from sellerflow.observability import PII_FIELDS, REDACTED, redact_value
from sellerflow.pii.models import ShippingLabel

# The label's own field names, and every PII field name the observability filter knows, compared
# without case and without underscores/hyphens (address_line1 == addressLine1 == addressline1).
_LABEL_FIELDS = frozenset(re.sub(r"[_-]", "", name).lower() for name in ShippingLabel.model_fields) - {
    "countrycode"
}
PII_KEYS = frozenset(PII_FIELDS) | _LABEL_FIELDS | {"shipto", "shippingaddress", "buyerinfo"}


def _is_pii_key(key: object) -> bool:
    return re.sub(r"[_-]", "", str(key)).lower() in PII_KEYS


def redact(value: Any) -> Any:
    """A copy of `value` with every PII-named field masked (nested), and tokens masked by shape."""
    if isinstance(value, ShippingLabel):
        return redact(value.model_dump())
    if isinstance(value, dict):
        return {k: (REDACTED if _is_pii_key(k) and v is not None else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return redact_value(value)
