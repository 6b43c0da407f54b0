"""`GET /sellers`: the caller's own sellers, with their role in each."""

from __future__ import annotations

from api_fakes import MEMBER_SUB, SELLER_A, SELLER_B, World

from sellerflow.domain import Role


def test_a_member_sees_only_their_sellers_with_their_role(world: World) -> None:
    # Given a caller who owns seller A and is an analyst of seller B
    world.sellers.members[(SELLER_B, MEMBER_SUB)] = Role.ANALYST
    # When they list their sellers
    response = world.get("/sellers", world.tokens.id_token())
    # Then both appear, each with id, name, status, marketplaces and the caller's role
    assert response.status_code == 200
    assert response.json_body == {
        "sellers": [
            {
                "seller_id": SELLER_A,
                "name": "Alpha Mugs",
                "status": "active",
                "marketplace_ids": ["ATVPDKIKX0DER"],
                "role": "owner",
                "home_currency": "USD",  # the first marketplace's (none chosen)
            },
            {
                "seller_id": SELLER_B,
                "name": "Bravo Lamps",
                "status": "active",
                "marketplace_ids": ["ATVPDKIKX0DER"],
                "role": "analyst",
                "home_currency": "USD",
            },
        ]
    }


def test_a_membership_of_a_seller_without_a_profile_is_skipped(world: World) -> None:
    # Given a dangling membership (the seller's profile is gone)
    world.sellers.members[("A3GONESELLER", MEMBER_SUB)] = Role.OWNER
    # When the caller lists their sellers
    body = world.get("/sellers", world.tokens.id_token()).json_body
    # Then only sellers that exist are listed
    assert [s["seller_id"] for s in body["sellers"]] == [SELLER_A]
