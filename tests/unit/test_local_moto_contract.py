"""The local runtime leans on moto internals; these tests fail loudly when a moto upgrade moves them."""

from __future__ import annotations

import inspect
import json
from importlib.metadata import version
from pathlib import Path

from moto.awslambda.models import LambdaFunction
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction


def test_moto_is_the_pinned_version_the_local_runtime_was_built_against() -> None:
    assert version("moto") == "5.2.5"


def test_every_lambda_invoke_in_moto_passes_through_invoke_lambda() -> None:
    # The dispatcher replaces LambdaFunction._invoke_lambda(self, event) -> (payload, errored, logs)
    signature = inspect.signature(LambdaFunction._invoke_lambda)
    assert list(signature.parameters) == ["self", "event"]
    assert "self._invoke_lambda(event=body)" in inspect.getsource(LambdaFunction.invoke)


def test_the_step_functions_interpreter_waits_where_time_compression_patches_it() -> None:
    assert "time.sleep(interval_seconds)" in inspect.getsource(retrier_decl)
    assert list(inspect.signature(WaitFunction._wait_interval).parameters) == ["self", "env", "wait_seconds"]


def test_the_lambda_dispatcher_replaces_and_restores_the_hook() -> None:
    from sellerflow_dev.local.lambdas import LambdaDispatcher

    original = LambdaFunction._invoke_lambda
    dispatcher = LambdaDispatcher({})
    dispatcher.install()
    try:
        assert LambdaFunction._invoke_lambda is not original
    finally:
        dispatcher.uninstall()
    assert LambdaFunction._invoke_lambda is original


def test_an_unknown_function_answers_like_lambda_with_a_typed_error() -> None:
    from sellerflow_dev.local.lambdas import LambdaDispatcher

    payload, errored = LambdaDispatcher({}).invoke("nope", {})
    assert errored
    assert '"errorType": "ResourceNotFoundException"' in payload


def test_a_runtime_that_exits_mid_invocation_is_reported_as_lambda_reports_it(tmp_path: Path) -> None:
    from sellerflow_dev.local.lambdas import LambdaDispatcher
    from sellerflow_dev.local.provision import FunctionSpec

    # Given a function whose runtime exits part-way through (not an exception a handler could catch)
    (tmp_path / "app.py").write_text("import sys\n\ndef handler(event, context):\n    sys.exit(3)\n")
    spec = FunctionSpec(
        "Dies", "dies", "arn:aws:lambda:us-east-1:1:function:dies", tmp_path, "app.handler", {}, 3, 128
    )

    # When it is invoked
    payload, errored = LambdaDispatcher({"Dies": spec}).invoke("dies", {})

    # Then Lambda's answer is a Runtime.ExitError, the errorType Step Functions' Retry matches on
    assert errored
    died = json.loads(payload)
    assert died["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in died["errorMessage"]


def test_moto_runs_a_top_level_express_machine_and_refuses_a_second_start_of_a_name() -> None:
    """The hourly seller-sync reaches moto unchanged (`asl_moto`): moto stores EXPRESS, runs it with
    its intrinsics, and (unlike AWS's Express) refuses a repeated name, so the local runtime can follow
    a window's run by name; the seller + window claim is what de-duplicates on AWS."""
    import time

    import boto3
    import pytest
    from moto import mock_aws

    definition = {
        "StartAt": "Count",
        "States": {
            "Count": {
                "Type": "Pass",
                "Parameters": {"pages.$": "States.MathAdd($.pages, 1)", "n.$": "States.ArrayLength($.items)"},
                "End": True,
            }
        },
    }
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = sfn.create_state_machine(
            name="hourly",
            definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/r",
            type="EXPRESS",
        )["stateMachineArn"]
        assert sfn.describe_state_machine(stateMachineArn=arn)["type"] == "EXPRESS"
        started = sfn.start_execution(stateMachineArn=arn, name="S-1", input='{"pages": 1, "items": [1, 2]}')
        for _ in range(50):
            described = sfn.describe_execution(executionArn=started["executionArn"])
            if described["status"] != "RUNNING":
                break
            time.sleep(0.05)
        assert described["status"] == "SUCCEEDED"
        assert json.loads(described["output"]) == {"pages": 2, "n": 2}
        with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
            sfn.start_execution(stateMachineArn=arn, name="S-1", input="{}")
