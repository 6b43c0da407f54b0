"""In-memory billing accounts (counting the single-account reads), and a Stripe and notices the sync
never uses: the billing unit tests' fakes."""

from __future__ import annotations

from sellerflow.billing.model import BillingAccount, BillingNotice
from sellerflow.billing.service import PaymentProvider


def no_stripe() -> PaymentProvider:
    raise AssertionError("the fanout never calls Stripe")


class NoNotices:
    def notify(self, notice: BillingNotice) -> None:
        raise AssertionError("the fanout notifies no one")


class Accounts:
    """In-memory billing accounts that count the single-account reads."""

    def __init__(self, *accounts: BillingAccount) -> None:
        self.by_seller = {a.seller_id: a for a in accounts}
        self.gets = 0

    def get(self, seller_id: str) -> BillingAccount | None:
        self.gets += 1
        return self.by_seller.get(seller_id)

    def put(self, account: BillingAccount) -> None:
        self.by_seller[account.seller_id] = account

    def all(self) -> list[BillingAccount]:
        return list(self.by_seller.values())

    def seller_for_customer(self, customer_id: str) -> str | None:
        raise AssertionError("not used by the fanout")

    def link_customer(self, customer_id: str, seller_id: str) -> None:
        raise AssertionError("not used by the fanout")
