"""The access review's reminder rule: due 90 days after the last completed review (or after the
team's first member joined), one reminder per owner with an address, naming only seller and date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sellerflow.domain import Role, SellerProfile, SellerStatus
from sellerflow.members.model import REVIEW_INTERVAL, CompletedReview, Member
from sellerflow.members.review import review_due_at, send_review_reminders

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _profile(seller_id: str) -> SellerProfile:
    return SellerProfile(seller_id=seller_id, name=seller_id, status=SellerStatus.ACTIVE, marketplace_ids=())


def _member(seller_id: str, sub: str, role: Role, joined_days_ago: int, email: str | None = None) -> Member:
    return Member(
        seller_id=seller_id,
        user_sub=sub,
        role=role,
        email=email,
        added_at=NOW - timedelta(days=joined_days_ago),
    )


class _Store:
    def __init__(self) -> None:
        self.overview = [
            (  # reviewed 91 days ago: due
                _profile("A1REVIEWEDLONGAGO"),
                [
                    _member("A1REVIEWEDLONGAGO", "o1", Role.OWNER, 400, "one@example.com"),
                    _member("A1REVIEWEDLONGAGO", "o2", Role.OWNER, 400, "two@example.com"),
                    _member("A1REVIEWEDLONGAGO", "a1", Role.ANALYST, 400, "analyst@example.com"),
                ],
            ),
            (  # reviewed 30 days ago: not due
                _profile("A2REVIEWEDRECENTLY"),
                [_member("A2REVIEWEDRECENTLY", "o3", Role.OWNER, 400, "three@example.com")],
            ),
            (  # never reviewed, team 100 days old: due; an owner without address is skipped
                _profile("A3NEVERREVIEWED"),
                [
                    _member("A3NEVERREVIEWED", "o4", Role.OWNER, 100, "four@example.com"),
                    _member("A3NEVERREVIEWED", "o5", Role.OWNER, 100),
                ],
            ),
            (_profile("A4NEWTEAM"), [_member("A4NEWTEAM", "o6", Role.OWNER, 10, "six@example.com")]),
        ]
        self.reviews = {
            "A1REVIEWEDLONGAGO": NOW - timedelta(days=91),
            "A2REVIEWEDRECENTLY": NOW - timedelta(days=30),
        }

    def sellers_overview(self) -> list[tuple[SellerProfile, list[Member]]]:
        return self.overview

    def last_review(self, seller_id: str) -> CompletedReview | None:
        at = self.reviews.get(seller_id)
        return None if at is None else CompletedReview(seller_id, "o1", at, ("o1",), ())


class _Port:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, datetime]] = []

    def remind(self, seller_id: str, owner_email: str, due_at: datetime) -> None:
        self.sent.append((seller_id, owner_email, due_at))


def test_owners_of_sellers_whose_review_is_older_than_90_days_are_reminded() -> None:
    port = _Port()
    outcome = send_review_reminders(store=_Store(), port=port, now=NOW)
    assert outcome.sellers == 4
    assert outcome.due == 2
    assert sorted((s, e) for s, e, _ in port.sent) == [
        ("A1REVIEWEDLONGAGO", "one@example.com"),
        ("A1REVIEWEDLONGAGO", "two@example.com"),
        ("A3NEVERREVIEWED", "four@example.com"),
    ]
    assert ("A1REVIEWEDLONGAGO", "one@example.com", NOW - timedelta(days=1)) in port.sent


def test_the_due_date_is_90_days_after_the_last_review_or_the_first_member() -> None:
    members = [_member("S", "o", Role.OWNER, 10)]
    assert review_due_at(None, members, NOW) == NOW - timedelta(days=10) + REVIEW_INTERVAL
    last = CompletedReview("S", "o", NOW, ("o",), ())
    assert review_due_at(last, members, NOW) == NOW + REVIEW_INTERVAL
    assert review_due_at(None, [], NOW) == NOW + REVIEW_INTERVAL
