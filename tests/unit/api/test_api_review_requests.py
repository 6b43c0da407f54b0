"""The review-request routes: an owner reads the setting and the counts and changes the setting."""

from __future__ import annotations

import json
from datetime import timedelta

from api_fakes import NOW, SELLER_A, World, bearer

from sellerflow.domain import Role
from sellerflow.solicitations.model import Outcome, ReviewRequest, SkipReason

URL = f"/sellers/{SELLER_A}/review-requests"


def _outcome(n: int, outcome: Outcome, reason: SkipReason | None = None) -> ReviewRequest:
    return ReviewRequest(
        SELLER_A, f"111-0000000-{n:07d}", "ATVPDKIKX0DER", outcome, NOW - timedelta(days=1), reason
    )


def test_an_owner_sees_the_default_setting_and_the_counts_of_the_stored_outcomes(world: World) -> None:
    for request in (
        _outcome(1, Outcome.REQUESTED), _outcome(2, Outcome.REQUESTED),
        _outcome(3, Outcome.SKIPPED, SkipReason.REFUNDED), _outcome(4, Outcome.FAILED),
    ):  # fmt: skip
        world.review_requests.save(request)
    response = world.get(URL, world.tokens.id_token())
    assert response.status_code == 200
    assert json.loads(response.body) == {
        "settings": {"enabled": False, "delay_days": 7},
        "counts": {"requested": 2, "skipped": {"refunded": 1}, "skipped_total": 1, "pending": 1},
    }


def test_an_owner_turns_requests_on_with_a_delay_in_amazons_window_and_it_is_audited(world: World) -> None:
    put = world.client.http.put
    headers = {**bearer(world.tokens.id_token()), "content-type": "application/json"}
    refused = put(f"{URL}/settings", headers=headers, body=json.dumps({"enabled": True, "delay_days": 31}))
    assert refused.status_code == 400
    response = put(f"{URL}/settings", headers=headers, body=json.dumps({"enabled": True, "delay_days": 12}))
    assert response.status_code == 200
    assert json.loads(response.body)["settings"] == {"enabled": True, "delay_days": 12}
    assert world.audit.entries[-1][2:] == ("reviews.settings", "enabled=True delay_days=12")


def test_an_analyst_may_not_see_or_change_review_requests(world: World) -> None:
    world.sellers.members[(SELLER_A, "44444444-aaaa-4bbb-8ccc-000000000004")] = Role.ANALYST
    token = world.tokens.id_token(sub="44444444-aaaa-4bbb-8ccc-000000000004")
    assert world.get(URL, token).status_code == 403
