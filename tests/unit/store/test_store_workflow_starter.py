"""Starting a seller-sync: a name that exists is 'already running', a throttled start is typed."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from sellerflow.errors import WorkflowStartThrottled
from sellerflow.store.workflows import StepFunctionsStarter

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:sync"


def _starter() -> tuple[StepFunctionsStarter, Stubber]:
    client = boto3.client("stepfunctions", region_name="us-east-1")
    return StepFunctionsStarter(ARN, client=client), Stubber(client)


def test_a_throttled_start_raises_the_error_the_fanout_retries() -> None:
    starter, stub = _starter()
    stub.add_client_error("start_execution", service_error_code="ThrottlingException", http_status_code=400)
    with stub, pytest.raises(WorkflowStartThrottled):
        starter.start(name="A1SELLER0001-20260301T1330", payload="{}")


def test_an_existing_name_is_not_started_again() -> None:
    starter, stub = _starter()
    stub.add_client_error(
        "start_execution", service_error_code="ExecutionAlreadyExists", http_status_code=400
    )
    with stub:
        assert starter.start(name="A1SELLER0001-20260301T1330", payload="{}") is False


def test_another_error_is_not_hidden() -> None:
    starter, stub = _starter()
    stub.add_client_error("start_execution", service_error_code="AccessDeniedException", http_status_code=400)
    with stub, pytest.raises(Exception, match="AccessDenied"):
        starter.start(name="A1SELLER0001-20260301T1330", payload="{}")
