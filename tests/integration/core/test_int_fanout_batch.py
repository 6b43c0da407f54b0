"""A fanout batch through the StartSellerSync handler on moto (the sellers table from template.yaml,
the seller + window claim, real StartExecution calls): a throttled seller is started by the batch's
retry and nobody else twice; an hourly run's hand-over (one seller) still starts Standard."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from sellerflow import wiring
from sellerflow.errors import WorkflowStartThrottled
from sellerflow.store.sellers import SellerStore
from sellerflow.store.workflows import StepFunctionsStarter
from sellerflow.sync.fanout import execution_name

ROOT = Path(__file__).resolve().parents[3]
WINDOW = "20261205T1000"
SELLERS = ["A1FANBATCH001", "B2FANBATCH002", "C3FANBATCH003", "D4FANBATCH004"]
PASS = '{"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}'


class ThrottledOnce(StepFunctionsStarter):
    """The real starter, with Step Functions' quota met once for one execution name (moto has no
    quotas): what `StepFunctionsStarter` raises on a ThrottlingException (tests/unit/store)."""

    def __init__(self, arn: str, throttled: str) -> None:
        super().__init__(arn, client=boto3.client("stepfunctions", region_name="us-east-1"))
        self.throttled: str | None = throttled

    def start(self, *, name: str, payload: str) -> bool:
        if name == self.throttled:
            self.throttled = None
            raise WorkflowStartThrottled(f"StartExecution throttled for {name}")
        return super().start(name=name, payload=payload)


class _Context:
    function_name = "sellerflow-test-start-seller-sync"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:sellerflow-test-start-seller-sync"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def _handler() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "start_seller_sync_app", ROOT / "functions/start_seller_sync/app.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["start_seller_sync_app"] = module
    spec.loader.exec_module(module)
    return module


def _executions(sfn: Any, arn: str) -> list[str]:
    return sorted(e["name"] for e in sfn.list_executions(stateMachineArn=arn)["executions"])


@pytest.fixture
def machines(aws: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The two seller-sync machines in moto, the sellers active, the handler's wiring bound to them."""
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    role = "arn:aws:iam::123456789012:role/sync"
    standard = sfn.create_state_machine(name="seller-sync", definition=PASS, roleArn=role)["stateMachineArn"]
    hourly = sfn.create_state_machine(
        name="seller-sync-hourly", definition=PASS, roleArn=role, type="EXPRESS"
    )["stateMachineArn"]
    store = SellerStore()
    for seller_id in SELLERS:
        store.put_profile(seller_id, name=seller_id, marketplace_ids=["ATVPDKIKX0DER"])
    monkeypatch.setattr(wiring, "seller_store", lambda: store)
    monkeypatch.setattr(wiring, "seller_sync_starter", lambda: StepFunctionsStarter(standard))
    return standard, hourly


def test_a_throttled_seller_is_started_on_the_batchs_retry_and_no_other_seller_twice(
    machines: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    standard, hourly = machines
    throttled = execution_name(SELLERS[1], WINDOW)
    starter = ThrottledOnce(standard, throttled)
    monkeypatch.setattr(wiring, "seller_sync_starter", lambda: starter)
    monkeypatch.setattr(wiring, "seller_sync_hourly_starter", lambda: StepFunctionsStarter(hourly))
    app, sfn = _handler(), boto3.client("stepfunctions", region_name="us-east-1")
    batch = {"sellers": SELLERS, "window": WINDOW}
    # When the map's child runs the batch and Step Functions throttles the second seller's start
    with pytest.raises(WorkflowStartThrottled, match="1 of 4"):
        app.lambda_handler(batch, _Context())
    # Then the three others are started (first syncs: Standard), the throttled one's claim is free
    others = [execution_name(s, WINDOW) for s in SELLERS if s != SELLERS[1]]
    assert _executions(sfn, standard) == sorted(others)
    assert SellerStore().sync_route(SELLERS[1]).claimed_window is None
    # When the Retry runs the same batch
    out = app.lambda_handler(batch, _Context())
    # Then the throttled seller is started, each seller has exactly one execution
    assert _executions(sfn, standard) == sorted(execution_name(s, WINDOW) for s in SELLERS)
    assert not _executions(sfn, hourly)
    assert [(o["seller_id"], o["status"]) for o in out["sellers"]] == [
        (s, "started" if s == SELLERS[1] else "already_running") for s in SELLERS
    ]
    assert (out["started"], out["already_running"], out["not_started"]) == (1, 3, 0)
    assert {SellerStore().sync_route(s).claimed_window for s in SELLERS} == {WINDOW}


def test_an_hourly_runs_hand_over_of_one_seller_still_starts_standard(
    machines: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    standard, hourly = machines
    monkeypatch.setattr(wiring, "seller_sync_hourly_starter", lambda: StepFunctionsStarter(hourly))
    app, sfn = _handler(), boto3.client("stepfunctions", region_name="us-east-1")
    # Given the seller's hourly run of this window (claimed by the fanout's batch)
    assert SellerStore().claim_window(SELLERS[0], WINDOW)
    # When the hourly run hands its window over (statemachines/seller-sync-hourly.asl.json's payload)
    event = {
        "seller_id": SELLERS[0],
        "window": WINDOW,
        "hand_over": {"reason": "orders_quota", "pagination_token": "NEXT"},
    }
    out = app.lambda_handler(event, _Context())
    # Then Standard runs the window, from the page the hourly run stopped at
    assert (out["status"], out["machine"], out["reason"]) == ("started", "standard", "hand_over:orders_quota")
    assert _executions(sfn, standard) == [execution_name(SELLERS[0], WINDOW)]
    (execution,) = sfn.list_executions(stateMachineArn=standard)["executions"]
    started = sfn.describe_execution(executionArn=execution["executionArn"])
    assert '"pagination_token": "NEXT"' in started["input"]
