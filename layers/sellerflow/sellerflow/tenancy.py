"""Which seller this request or task acts for, so the stores can use that seller's credentials.

The API marks the seller once `SellerAccess.require` has let the caller in (and clears the mark when
it authenticates the next request); a sync task acts for the seller of its input. The stores read the
mark (`acting_seller`) and make that seller's DynamoDB calls with credentials that reach only the
seller's partitions (`sellerflow.store.tenancy`). A context variable keeps concurrent work apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ACTING_FOR: ContextVar[str | None] = ContextVar("sellerflow_acting_seller", default=None)


def act_for(seller_id: str) -> None:
    """From now on (until `stop_acting`), seller-scoped reads and writes are `seller_id`'s."""
    _ACTING_FOR.set(seller_id)


def stop_acting() -> None:
    _ACTING_FOR.set(None)


def acting_seller() -> str | None:
    return _ACTING_FOR.get()


@contextmanager
def acting_for(seller_id: str) -> Iterator[None]:
    """`act_for` for the duration of a block (a sync task over one seller)."""
    token = _ACTING_FOR.set(seller_id)
    try:
        yield
    finally:
        _ACTING_FOR.reset(token)
