"""Tokens API 2021-03-01 (`createRestrictedDataToken`) and the restricted-data rule of getOrder.

A restricted data token (RDT, ``Atz.sprdt|...``) is minted for one seller and a list of restricted
resources (method + path, the path either concrete, ``/orders/2026-01-01/orders/123-...``, or with
a ``{placeholder}`` segment) plus, for Orders API paths, the ``dataElements`` the model requires
(``buyerInfo``, ``shippingAddress``, ``buyerTaxInformation``). It lives ``RDT_TTL_S`` seconds.

Enforcement (`authenticate`): a getOrder whose ``includedData`` holds BUYER or RECIPIENT is only
answered for an RDT minted for that path with ``buyerInfo`` (BUYER) / ``shippingAddress``
(RECIPIENT); Merchant Fulfillment's createShipment, getShipment and cancelShipment
(``/mfn/v0/shipments[/{id}]``) only for an RDT minted for that method and path. An LWA access token
gets 403 ``Unauthorized`` there, as Amazon answers. An RDT is accepted for nothing but its own
resources. (Shipping API v2 operations are not restricted operations at Amazon and take the LWA
token.)
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sellerflow_dev.simulator.lwa import AuthFailure, LwaService
from sellerflow_dev.simulator.orders_api import ApiError, invalid

RDT_PREFIX = "Atz.sprdt|"
RDT_TTL_S = 3600
DATA_ELEMENTS = frozenset({"buyerInfo", "shippingAddress", "buyerTaxInformation"})
METHODS = frozenset({"GET", "PUT", "POST", "DELETE"})
_GET_ORDER = re.compile(r"^/orders/2026-01-01/orders/[^/]+$")
# Merchant Fulfillment's restricted operations (their answers carry the ship-to address): createShipment,
# getShipment, cancelShipment. An RDT for them names the path; no dataElements.
_MFN_SHIPMENTS = re.compile(r"^/mfn/v0/shipments(/[^/]+)?$")
# includedData value -> the dataElements value an RDT needs for it
RESTRICTED_INCLUDED_DATA = {"BUYER": "buyerInfo", "RECIPIENT": "shippingAddress"}


@dataclass(frozen=True)
class _Resource:
    method: str
    path: re.Pattern[str]
    data_elements: frozenset[str]


@dataclass(frozen=True)
class _Grant:
    seller_id: str
    resources: tuple[_Resource, ...]
    expires_at: float


def _path_pattern(path: str) -> re.Pattern[str]:
    parts = [("[^/]+" if re.fullmatch(r"\{[^/{}]+\}", part) else re.escape(part)) for part in path.split("/")]
    return re.compile("^" + "/".join(parts) + "$")


def _parse_resources(body: Mapping[str, Any]) -> tuple[_Resource, ...]:
    raw = body.get("restrictedResources")
    if not isinstance(raw, list) or not raw:
        raise invalid("restrictedResources is required and must be a non-empty list.")
    if len(raw) > 50:
        raise invalid(f"restrictedResources accepts at most 50 resources, got {len(raw)}.")
    resources = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise invalid(f"restrictedResources[{index}] must be an object.")
        method, path = item.get("method"), item.get("path")
        if method not in METHODS:
            raise invalid(f"restrictedResources[{index}].method must be one of {sorted(METHODS)}.")
        if not isinstance(path, str) or not path.startswith("/"):
            raise invalid(f"restrictedResources[{index}].path must be an absolute path.")
        elements = item.get("dataElements") or []
        if not isinstance(elements, list) or not set(elements) <= DATA_ELEMENTS:
            raise invalid(f"restrictedResources[{index}].dataElements may only hold {sorted(DATA_ELEMENTS)}.")
        if path.startswith("/orders/") and not elements:
            raise invalid(f"restrictedResources[{index}].dataElements is required for Orders API paths.")
        resources.append(_Resource(str(method), _path_pattern(path), frozenset(elements)))
    return tuple(resources)


class RestrictedDataTokens:
    def __init__(self, *, ttl_s: int = RDT_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    def create(self, seller_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Answer createRestrictedDataToken for an authenticated seller (a `CreateRestrictedDataTokenResponse`)."""
        resources = _parse_resources(body)
        token = RDT_PREFIX + secrets.token_urlsafe(48)
        with self._lock:
            self._grants[token] = _Grant(seller_id, resources, self.clock() + self.ttl_s)
        return {"restrictedDataToken": token, "expiresIn": self.ttl_s}

    def authenticate(
        self,
        lwa: LwaService,
        method: str,
        path: str,
        query: Mapping[str, Sequence[str]],
        token: str | None,
    ) -> str:
        """The seller a call's `x-amz-access-token` stands for, enforcing the restricted-data rule."""
        needed = _needed_elements(path, query)
        restricted = bool(needed) or bool(_MFN_SHIPMENTS.match(path))
        if not token or not token.startswith(RDT_PREFIX):
            seller_id = lwa.authenticate(token)
            if restricted:
                raise AuthFailure(
                    "Access to restricted data (BUYER, RECIPIENT, shipments) requires a restricted data token."
                )
            return seller_id
        with self._lock:
            grant = self._grants.get(token)
        if grant is None:
            raise AuthFailure("The restricted data token you provided is malformed or invalid.")
        if self.clock() >= grant.expires_at:
            raise AuthFailure("The restricted data token you provided has expired.")
        if lwa.world.seller(grant.seller_id).revoked:
            raise AuthFailure("The restricted data token you provided is revoked.")
        resource = next((r for r in grant.resources if r.method == method and r.path.match(path)), None)
        if resource is None:
            raise AuthFailure("The restricted data token was not issued for this resource.")
        if not needed <= resource.data_elements:
            raise AuthFailure(
                f"The restricted data token does not cover {sorted(needed - resource.data_elements)}."
            )
        return grant.seller_id


def _needed_elements(path: str, query: Mapping[str, Sequence[str]]) -> frozenset[str]:
    if not _GET_ORDER.match(path):
        return frozenset()
    values = {part.strip() for value in query.get("includedData", ()) for part in value.split(",")}
    return frozenset(element for data, element in RESTRICTED_INCLUDED_DATA.items() if data in values)


__all__ = ["RDT_PREFIX", "ApiError", "RestrictedDataTokens"]
