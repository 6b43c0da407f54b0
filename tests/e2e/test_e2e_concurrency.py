"""Concurrent requests through the local API Gateway's several environments of one function: each
answer is its own caller's (no request of one seller's user served with another's), every access is
in its seller's audit chain, and the chains verify."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from sellerflow.store.audit import AuditLog
from sellerflow_dev.local.stack import LocalStack

ROUNDS = 12
RANGES = ("today", "yesterday", "mtd", "last7", "last30")


def test_concurrent_requests_of_two_sellers_users_each_get_their_own_answer_and_audit(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given two sellers, each with its owner, behind a gateway of 4 environments per function
    stack = local_stack(sellers=2, environments=4)
    assert stack.gateway is not None
    base = stack.gateway.url
    sellers = [s.seller_id for s in stack.world.sellers]
    tokens = [stack.id_token(f"owner{i}@sellerflow.local") for i in (1, 2)]
    audit = AuditLog()
    before = [len(audit.chain(sid)[0]) for sid in sellers]
    # When each owner's list, own dashboard (each its own range) and the other seller's settings are
    # asked, all at once (the dashboard reads its query after the membership read: a request that
    # leaked into another would answer another range)
    calls: list[tuple[int, str, int]] = []  # (owner, path, expected status)
    for round_ in range(ROUNDS):
        for me, other in ((0, 1), (1, 0)):
            calls.append((me, "/sellers", 200))
            shown = RANGES[(round_ + 2 * me) % len(RANGES)]
            calls.append((me, f"/sellers/{sellers[me]}/dashboard?range={shown}", 200))
            calls.append((me, f"/sellers/{sellers[other]}/settings/currency", 404))

    def call(owner: int, path: str) -> httpx.Response:
        return httpx.get(f"{base}{path}", headers={"authorization": f"Bearer {tokens[owner]}"}, timeout=60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda c: call(c[0], c[1]), calls))
    # Then every answer is the caller's own: its sellers only, its seller's settings, 404 for the other
    for (owner, path, status), answer in zip(calls, answers, strict=True):
        assert answer.status_code == status, (owner, path, answer.text)
        if path == "/sellers":
            assert [s["seller_id"] for s in answer.json()["sellers"]] == [sellers[owner]], answer.text
        elif "/dashboard?range=" in path:
            assert answer.json()["range"] == path.rsplit("=", 1)[1], (owner, path, answer.text[:200])
    # And the requests did run side by side
    route = stack.gateway.routes.match("GET", "/sellers")
    assert route is not None
    assert stack.gateway.environments(route[0].function).busiest >= 2
    # And each list and dashboard was audited once, in its own seller's chain, which verifies
    for index, sid in enumerate(sellers):
        entries, _ = audit.chain(sid)
        added = [e for e in entries[before[index] :] if e.action in {"seller.read", "dashboard.read"}]
        assert sorted(e.action for e in added) == ["dashboard.read"] * ROUNDS + ["seller.read"] * ROUNDS
        assert {e.actor for e in added} == {_sub(stack, index + 1)}
        assert audit.verify(sid).ok


def _sub(stack: LocalStack, index: int) -> str:
    return stack.users[f"owner{index}@sellerflow.local"].sub
