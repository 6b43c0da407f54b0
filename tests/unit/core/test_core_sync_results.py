"""Recording the end of a seller-sync run."""

from __future__ import annotations

import json

import pytest

from sellerflow.domain import SellerStatus, SyncState
from sellerflow.sync import results
from sellerflow.sync.models import RecordSyncResultInput
from sellerflow.sync.results import record_sync_result

SELLER = "A1SELLER0001"


class FakeResultStore:
    def __init__(self, consecutive_failures: int = 0) -> None:
        self.failures = consecutive_failures
        self.finished: list[dict[str, object]] = []
        self.statuses: list[tuple[SellerStatus, str | None]] = []

    def finish_run(
        self, seller_id: str, *, outcome: str, error: str | None, source: str = "orders"
    ) -> SyncState:
        self.finished.append({"seller_id": seller_id, "outcome": outcome, "error": error})
        self.failures = 0 if outcome == "succeeded" else self.failures + 1
        return SyncState(
            seller_id=seller_id, last_outcome=outcome, last_error=error, consecutive_failures=self.failures
        )

    def set_status(self, seller_id: str, status: SellerStatus, *, reason: str | None = None) -> None:
        self.statuses.append((status, reason))


def _request(outcome: str, *, error: str | None = None, cause: str | None = None) -> RecordSyncResultInput:
    return RecordSyncResultInput(seller_id=SELLER, run_id="R1", outcome=outcome, error=error, cause=cause)  # type: ignore[arg-type]


def test_a_success_records_no_error_and_resets_failures() -> None:
    store = FakeResultStore(consecutive_failures=3)
    out = record_sync_result(_request("succeeded"), store=store)
    assert store.finished == [{"seller_id": SELLER, "outcome": "succeeded", "error": None}]
    assert out.consecutive_failures == 0
    assert store.statuses == []


def test_a_failure_keeps_the_error_name_and_the_lambda_message_only() -> None:
    # Given Step Functions' Catch output: error name and the Lambda's JSON error payload
    cause = json.dumps(
        {
            "errorMessage": "searchOrders for seller A1SELLER0001 failed with HTTP 503 after 3 attempts",
            "errorType": "SpApiServerError",
            "stackTrace": ["  File app.py ..."],
        }
    )
    store = FakeResultStore()
    # When the failure is recorded
    out = record_sync_result(_request("failed", error="SpApiServerError", cause=cause), store=store)
    # Then the stored error is "Name: message", without the stack trace
    assert store.finished[0]["error"] == (
        "SpApiServerError: searchOrders for seller A1SELLER0001 failed with HTTP 503 after 3 attempts"
    )
    assert out.outcome == "failed"
    assert out.consecutive_failures == 1


def test_consecutive_failures_are_reported() -> None:
    store = FakeResultStore()
    outs = [record_sync_result(_request("failed", error="States.Timeout"), store=store) for _ in range(3)]
    assert [o.consecutive_failures for o in outs] == [1, 2, 3]


@pytest.mark.parametrize(
    ("cause", "message"),
    [
        (None, ""),
        ("plain text cause", "plain text cause"),
        (json.dumps({"other": 1}), ""),
        (json.dumps(["a", "b"]), "['a', 'b']"),
        ("x" * 1000, "x" * 300),
        (json.dumps({"errorMessage": "y" * 1000}), "y" * 300),
    ],
)
def test_the_cause_message_is_extracted_and_bounded(cause: str | None, message: str) -> None:
    store = FakeResultStore()
    record_sync_result(_request("failed", error="Boom", cause=cause), store=store)
    assert store.finished[0]["error"] == f"Boom: {message}"


def test_a_failure_without_an_error_name_is_unknown() -> None:
    store = FakeResultStore()
    record_sync_result(_request("failed"), store=store)
    assert str(store.finished[0]["error"]).startswith("Unknown:")


def test_a_revoked_authorization_marks_the_seller_revoked_with_a_reason() -> None:
    # Given LWA answered invalid_grant during the run
    store = FakeResultStore()
    cause = json.dumps(
        {"errorMessage": "LWA refused the authorization of seller A1SELLER0001 (invalid_grant)"}
    )
    # When the run's result is recorded
    out = record_sync_result(_request("revoked", error="SpApiAuthorizationRevoked", cause=cause), store=store)
    # Then the seller is REVOKED (no more syncs) and the reason says why
    ((status, reason),) = store.statuses
    assert status is SellerStatus.REVOKED
    assert reason is not None
    assert "invalid_grant" in reason
    assert store.finished[0]["outcome"] == "revoked"
    assert "SpApiAuthorizationRevoked" in str(store.finished[0]["error"])
    assert out.outcome == "revoked"


def test_a_plain_failure_does_not_touch_the_seller_status() -> None:
    store = FakeResultStore()
    record_sync_result(_request("failed", error="SpApiThrottled"), store=store)
    assert store.statuses == []


def test_an_unknown_outcome_is_refused() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        _request("exploded")


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    names: list[str] = []
    monkeypatch.setattr(results.metrics, "add_metric", lambda name, unit, value: names.append(name))
    return names


@pytest.mark.parametrize(("failures_before", "lagging"), [(0, False), (1, True), (4, True)])
def test_a_seller_lags_once_two_runs_in_a_row_failed(
    counted: list[str], failures_before: int, lagging: bool
) -> None:
    # Given a seller whose previous runs failed `failures_before` times in a row
    store = FakeResultStore(consecutive_failures=failures_before)
    # When this run fails too
    record_sync_result(_request("failed", error="SpApiServerError"), store=store)
    # Then the operator's sync-lag metric counts it from the second failed cadence on
    assert (results.SYNC_LAGGING in counted) is lagging


def test_a_success_never_counts_as_lagging(counted: list[str]) -> None:
    record_sync_result(_request("succeeded"), store=FakeResultStore(consecutive_failures=5))
    assert results.SYNC_LAGGING not in counted
