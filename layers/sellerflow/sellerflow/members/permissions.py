"""What each role may do for a seller: one table, checked by every seller-scoped route.

Routes never compare roles themselves; they ask for a `Permission` (`SellerAccess.require`). A caller
who is not a member gets `SellerNotFound` (unknown and forbidden look alike); a member whose role
lacks the permission gets `Forbidden` (403), which names the permission but never the data.

Global admins (the Cognito group `admins`) are not members of any seller: they manage sellers and
memberships through the admin routes, and read a seller's data only through an audited,
time-limited break-glass grant, which gives them the `BREAK_GLASS` permissions below.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from sellerflow.domain import Role

ADMIN_GROUP = "admins"


class Permission(enum.StrEnum):
    SELLER_READ = "seller:read"  # profile and connection status
    ORDERS_READ = "orders:read"  # orders; money fields only with ORDER_MONEY_READ
    ORDER_MONEY_READ = "orders:money"
    BUYER_PII_READ = "orders:buyer-pii"  # shipping address for a stated purpose (RDT)
    ANALYTICS_READ = "analytics:read"  # dashboard, daily, SKUs, advertising
    INVENTORY_READ = "inventory:read"
    INVENTORY_MANAGE = "inventory:manage"  # lead times and safety stock (owners)
    FINANCES_READ = "finances:read"  # settlements and transactions
    COGS_WRITE = "cogs:write"
    ALERTS_READ = "alerts:read"  # alert rules and the alerts sent
    ALERTS_MANAGE = "alerts:manage"  # rules, recipients, opt-in/out
    AUDIT_READ = "audit:read"
    MEMBERS_MANAGE = "members:manage"  # members, roles and invitations
    CONNECTION_MANAGE = "connection:manage"  # connect, reconnect, disconnect Amazon
    DATA_EXPORT = "data:export"
    SELLER_ERASE = "seller:erase"
    BILLING_MANAGE = "billing:manage"  # the plan: checkout, the Stripe Customer Portal (hosted deployments)
    LABELS_BUY = "labels:buy"  # shipping labels: package profiles, rates, purchase, reprint, void (owners)
    MESSAGES_ANSWER = "messages:answer"  # buyer messages: read threads, draft, edit, approve and send, close
    MESSAGES_MANAGE = (
        "messages:manage"  # the inbox's settings: instructions, sending address, auto-send (owners)
    )
    REVIEWS_MANAGE = "reviews:manage"  # review requests: the setting and the counts (owners)
    SETTINGS_MANAGE = "settings:manage"  # the seller account's settings: home currency (owners)


_READ_ANALYTICS = frozenset(
    {
        Permission.SELLER_READ,
        Permission.ORDERS_READ,
        Permission.ORDER_MONEY_READ,
        Permission.ANALYTICS_READ,
        Permission.INVENTORY_READ,
        Permission.FINANCES_READ,
        Permission.ALERTS_READ,
    }
)

ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ANALYST: _READ_ANALYTICS | {Permission.COGS_WRITE},
    # Support answers buyers about their orders: orders without money, and the shipping address.
    Role.SUPPORT: frozenset(
        {
            Permission.SELLER_READ,
            Permission.ORDERS_READ,
            Permission.BUYER_PII_READ,
            Permission.MESSAGES_ANSWER,
        }
    ),
}

# What an admin's break-glass grant allows: reading, never changing, and never buyer PII.
BREAK_GLASS_PERMISSIONS: frozenset[Permission] = _READ_ANALYTICS


def role_allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
