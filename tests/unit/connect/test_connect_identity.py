"""The identity proof of a reconnect: which Amazon account a consent's token reaches."""

from __future__ import annotations

from sellerflow.amazon.spapi import MarketplaceParticipation
from sellerflow.connect.identity import describe, is_same_seller
from sellerflow.domain import SellerProfile, SellerStatus

US, DE, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"
STORED = SellerProfile(
    seller_id="A1SELLER01", name="Northwind", status=SellerStatus.ACTIVE, marketplace_ids=(US, DE)
)


def shown(*entries: tuple[str, str, bool]) -> list[MarketplaceParticipation]:
    return [
        MarketplaceParticipation.model_validate(
            {"marketplace": {"id": m}, "storeName": name, "participation": {"isParticipating": active}}
        )
        for m, name, active in entries
    ]


def test_the_same_account_is_recognised_even_after_joining_or_leaving_marketplaces() -> None:
    assert is_same_seller(STORED, shown((US, "Northwind", True), (DE, "Northwind", True)))
    assert is_same_seller(STORED, shown((US, "Northwind", True), (JP, "Northwind", True)))
    assert is_same_seller(STORED, shown((DE, " northwind ", True)))


def test_another_account_in_the_same_marketplaces_is_not_the_seller() -> None:
    assert not is_same_seller(STORED, shown((US, "Southwind", True), (DE, "Southwind", True)))


def test_the_same_store_name_elsewhere_or_not_participating_is_not_the_seller() -> None:
    assert not is_same_seller(STORED, shown((JP, "Northwind", True)))
    assert not is_same_seller(STORED, shown((US, "Northwind", False)))
    assert not is_same_seller(STORED, [])


def test_what_the_token_showed_is_described_for_the_audit_record() -> None:
    assert (
        describe(shown((US, "Southwind", True), (DE, "Southwind", False)))
        == f"store=Southwind marketplaces={US}"
    )
    assert describe([]) == "store=- marketplaces=-"
