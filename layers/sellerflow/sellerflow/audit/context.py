"""Which reads of this request happen under an admin's break-glass grant.

`SellerAccess.require` marks (seller, admin) when it lets an admin in on a break-glass grant; the
audit log then records that admin's entries for that seller with the action prefixed `break_glass:`
(`orders.list` → `break_glass:orders.list`), so the audit trail shows every read made that way, by
whom, whichever route made it. The mark is per request: `begin_request` clears it (the API calls it
when it authenticates a request), and a context variable keeps concurrent requests apart.
"""

from __future__ import annotations

from contextvars import ContextVar

BREAK_GLASS_PREFIX = "break_glass:"
_MARKED: ContextVar[frozenset[tuple[str, str]]] = ContextVar("sellerflow_break_glass", default=frozenset())


def begin_request() -> None:
    _MARKED.set(frozenset())


def mark_break_glass(seller_id: str, actor_sub: str) -> None:
    _MARKED.set(_MARKED.get() | {(seller_id, actor_sub)})


def audited_action(seller_id: str, actor_sub: str, action: str) -> str:
    """The action as the audit log records it (prefixed when this read is a break-glass read)."""
    if (seller_id, actor_sub) in _MARKED.get() and not action.startswith(BREAK_GLASS_PREFIX):
        return f"{BREAK_GLASS_PREFIX}{action}"
    return action
