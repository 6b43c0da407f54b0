"""Starting Step Functions executions (boto3): the only module that talks to Step Functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from sellerflow.errors import WorkflowStartThrottled

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


class StepFunctionsStarter:
    def __init__(self, state_machine_arn: str, client: SFNClient | None = None) -> None:
        self._arn = state_machine_arn
        import boto3  # here: a cold start loads boto3 only where it is used

        self._client = client or boto3.client("stepfunctions")

    def start(self, *, name: str, payload: str) -> bool:
        try:
            self._client.start_execution(stateMachineArn=self._arn, name=name, input=payload)
        except self._client.exceptions.ExecutionAlreadyExists:
            return False
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ThrottlingException":
                raise WorkflowStartThrottled(f"StartExecution throttled for {name}") from exc
            raise
        return True
