"""The fanout's Distributed Map: the due list read from S3 in batches, bounded concurrency, one
seller's and one batch's failure isolated, and the roles that make it run in AWS. moto cannot run the definition as written
(`sellerflow_dev.local.asl_moto`), so these tests hold the AWS form; the e2e tests run the local one."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws
from template_helpers import (
    ROOT,
    as_list,
    load_template,
    policy_statements,
    referenced_resource,
    rendered_sub,
    sub_references,
)

from sellerflow_dev.local.asl_moto import for_moto

RESOURCES = load_template()["Resources"]
MACHINE = RESOURCES["FanoutStateMachine"]["Properties"]
DEFINITION_TEXT = (ROOT / MACHINE["DefinitionUri"]).read_text()
DEFINITION = json.loads(DEFINITION_TEXT)
MAP = DEFINITION["States"]["StartSellerSyncs"]
CHILD = MAP["ItemProcessor"]["States"]["StartBatchSellerSyncs"]


def _statements(policies: Any) -> list[dict[str, Any]]:
    return [s for p in policies if isinstance(p, dict) for s in policy_statements([p])]


def _granting(policies: Any, action: str) -> list[dict[str, Any]]:
    return [s for s in _statements(policies) if action in as_list(s["Action"]) and s["Effect"] == "Allow"]


def test_the_state_carries_where_the_due_list_is_never_the_list() -> None:
    selected = DEFINITION["States"]["ListDueSellers"]["ResultSelector"]
    assert set(selected) == {"bucket.$", "key.$", "count.$", "window.$", "max_concurrency.$"}
    assert "ItemsPath" not in MAP
    reader = MAP["ItemReader"]
    assert reader["Resource"] == "arn:aws:states:::s3:getObject"
    assert reader["ReaderConfig"] == {"InputType": "JSON"}
    assert reader["Parameters"] == {"Bucket.$": "$.due.bucket", "Key.$": "$.due.key"}


def test_each_child_gets_a_batch_the_start_function_accepts_and_the_list_is_asked_in_batches() -> None:
    from sellerflow.sync.models import DueBatch, ListDueSellersInput, StartSellerSyncBatchInput

    # ListDueSellers is asked for batches of the template's FanoutBatchSize (an older definition,
    # which asks for none, still gets one item per seller: tests/unit/core/test_core_fanout_batches.py)
    payload = DEFINITION["States"]["ListDueSellers"]["Parameters"]["Payload"]
    assert payload["batch_size.$"] == "States.StringToJson('${FanoutBatchSize}')"
    assert {key.removesuffix(".$") for key in payload} <= set(ListDueSellersInput.model_fields)
    assert MACHINE["DefinitionSubstitutions"]["FanoutBatchSize"] == {"Ref": "FanoutBatchSize"}
    # each item is a batch, handed to the child with the tick's window: a StartSellerSync batch
    selector = MAP["ItemSelector"]
    assert selector == {"sellers.$": "$$.Map.Item.Value.sellers", "window.$": "$.due.window"}
    assert {key.removesuffix(".$") for key in selector} == set(StartSellerSyncBatchInput.model_fields)
    assert set(DueBatch.model_fields) == {"sellers"}
    assert CHILD["Parameters"] == {"FunctionName": "${StartSellerSyncFunctionArn}", "Payload.$": "$"}


def test_the_batch_size_is_bounded_by_what_one_start_function_can_do() -> None:
    from sellerflow.sync.models import MAX_FANOUT_BATCH

    parameter = load_template()["Parameters"]["FanoutBatchSize"]
    assert parameter["MinValue"] == 1
    assert parameter["MaxValue"] == MAX_FANOUT_BATCH
    assert 1 <= int(parameter["Default"]) <= MAX_FANOUT_BATCH


def test_a_tick_with_no_seller_due_runs_no_map() -> None:
    choice = DEFINITION["States"]["AnySellerDue"]
    assert choice["Choices"] == [
        {"Variable": "$.due.count", "NumericGreaterThan": 0, "Next": "StartSellerSyncs"}
    ]
    assert DEFINITION["States"][choice["Default"]]["Type"] == "Succeed"


def test_the_map_is_distributed_over_express_children_at_a_bounded_concurrency() -> None:
    assert MAP["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}
    # MaxConcurrency is a template parameter, brought in as a number through the state
    assert MAP["MaxConcurrencyPath"] == "$.due.max_concurrency"
    selected = DEFINITION["States"]["ListDueSellers"]["ResultSelector"]
    assert selected["max_concurrency.$"] == "States.StringToJson('${FanoutMaxConcurrency}')"
    assert MACHINE["DefinitionSubstitutions"]["FanoutMaxConcurrency"] == {"Ref": "FanoutMaxConcurrency"}
    parameter = load_template()["Parameters"]["FanoutMaxConcurrency"]
    # Lambda's default account concurrency is 1,000 and the seller syncs need their share of it
    assert 1 <= parameter["MinValue"] <= int(parameter["Default"]) <= parameter["MaxValue"] <= 1000


def test_one_batchs_failure_never_fails_the_tick() -> None:
    # (one seller's failure is caught inside the batch's function: test_core_fanout_batches.py)
    assert 0 < MAP["ToleratedFailurePercentage"] < 100
    processor = MAP["ItemProcessor"]["States"]
    (catch,) = CHILD["Catch"]
    assert catch["ErrorEquals"] == ["States.ALL"]
    unfinished = processor[catch["Next"]]
    assert unfinished["Type"] == "Pass"
    assert unfinished["Parameters"]["status"] == "batch_unfinished"
    assert unfinished["Parameters"]["sellers.$"] == "$.sellers"


def test_the_map_results_go_to_s3_and_the_state_keeps_only_their_location() -> None:
    writer = MAP["ResultWriter"]
    assert writer["Resource"] == "arn:aws:states:::s3:putObject"
    assert writer["Parameters"]["Bucket"] == "${FanoutBucketName}"
    assert MACHINE["DefinitionSubstitutions"]["FanoutBucketName"] == {"Ref": "FanoutBucket"}
    assert set(MAP["ResultSelector"]) == {"map_run.$", "results.$"}


def test_the_fanout_role_can_run_its_own_children_and_read_the_due_list() -> None:
    policies = MACHINE["Policies"]
    (start,) = _granting(policies, "states:StartExecution")
    name = rendered_sub(MACHINE["Name"])
    assert rendered_sub(start["Resource"]).endswith(f":stateMachine:{name}")
    (describe,) = _granting(policies, "states:DescribeExecution")
    assert "states:StopExecution" in describe["Action"]
    assert rendered_sub(describe["Resource"]).endswith(f":execution:{name}/*")
    reads = {rendered_sub(s["Resource"]) for s in _granting(policies, "s3:GetObject")}
    assert "${FanoutBucket.Arn}/due-sellers/*" in reads
    writes = {rendered_sub(s["Resource"]) for s in _granting(policies, "s3:PutObject")}
    assert writes == {"${FanoutBucket.Arn}/map-results/*"}
    writer = MAP["ResultWriter"]["Parameters"]["Prefix"]
    assert writer == "map-results"
    (key,) = _granting(policies, "kms:Decrypt")
    assert referenced_resource(key["Resource"]) == "DataKey"


def test_list_due_sellers_writes_only_due_lists_encrypted_with_the_data_key() -> None:
    function = RESOURCES["ListDueSellersFunction"]["Properties"]
    assert function["Environment"]["Variables"]["FANOUT_BUCKET"] == {"Ref": "FanoutBucket"}
    (put,) = _granting(function["Policies"], "s3:PutObject")
    assert rendered_sub(put["Resource"]) == "${FanoutBucket.Arn}/due-sellers/*"
    (key,) = _granting(function["Policies"], "kms:GenerateDataKey")
    assert referenced_resource(key["Resource"]) == "DataKey"


def test_the_fanout_bucket_is_private_encrypted_and_forgets_within_a_day() -> None:
    bucket = RESOURCES["FanoutBucket"]["Properties"]
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert referenced_resource(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]) == "DataKey"
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    (expiry,) = bucket["LifecycleConfiguration"]["Rules"]
    assert expiry["Status"] == "Enabled"
    assert expiry["ExpirationInDays"] == 1
    policy = RESOURCES["FanoutBucketPolicy"]["Properties"]
    assert referenced_resource(policy["Bucket"]) == "FanoutBucket"
    no_tls, old_tls = policy["PolicyDocument"]["Statement"]
    assert {no_tls["Effect"], old_tls["Effect"]} == {"Deny"}
    assert no_tls["Condition"] == {"Bool": {"aws:SecureTransport": False}}
    assert old_tls["Condition"] == {"NumericLessThan": {"s3:TlsVersion": 1.2}}
    assert sub_references(no_tls["Resource"][1]) == sub_references(old_tls["Resource"][1]) == {"FanoutBucket"}


# --- the local runtime's translation for moto -------------------------------------------------------


def _substituted() -> str:
    text = DEFINITION_TEXT
    for name, value in {
        "ListDueSellersFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:list",
        "StartSellerSyncFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:start",
        "FanoutBucketName": "fanout-bucket",
        "FanoutMaxConcurrency": "7",
        "FanoutBatchSize": "50",
    }.items():
        text = text.replace("${" + name + "}", value)
    return text


def test_moto_gets_standard_children_and_a_decimal_tolerance_and_nothing_else_changes() -> None:
    original = json.loads(_substituted())
    translated = json.loads(for_moto(_substituted()))
    processor = translated["States"]["StartSellerSyncs"]["ItemProcessor"]["ProcessorConfig"]
    assert processor == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    tolerance = translated["States"]["StartSellerSyncs"]["ToleratedFailurePercentage"]
    assert isinstance(tolerance, float)
    assert tolerance == MAP["ToleratedFailurePercentage"]
    original["States"]["StartSellerSyncs"]["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] = "STANDARD"
    original["States"]["StartSellerSyncs"]["ToleratedFailurePercentage"] = tolerance
    assert translated == original


@mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
def test_moto_refuses_the_aws_form_and_accepts_the_translated_one() -> None:
    # When moto learns EXPRESS children and integer tolerances, this fails: drop the translation then.
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    role = "arn:aws:iam::123456789012:role/fanout"
    with pytest.raises(sfn.exceptions.ClientError, match="ASLParserException"):
        sfn.create_state_machine(name="aws-form", definition=_substituted(), roleArn=role)
    sfn.create_state_machine(name="local-form", definition=for_moto(_substituted()), roleArn=role)


def test_a_throttled_start_is_retried_with_backoff_not_left_unsynced() -> None:
    # the batch raises these after starting its other sellers; a retry starts only what is left
    (throttled,) = [r for r in CHILD["Retry"] if "WorkflowStartThrottled" in r["ErrorEquals"]]
    assert throttled["ErrorEquals"] == ["WorkflowStartThrottled", "StartBatchOutOfTime"]
    assert throttled["MaxAttempts"] >= 6
    assert throttled["JitterStrategy"] == "FULL"


def test_a_batch_fits_its_functions_timeout_and_its_retries_an_express_childs_five_minutes() -> None:
    from sellerflow.sync.fanout import BATCH_TIME_RESERVE_S
    from sellerflow.sync.models import MAX_FANOUT_BATCH
    from sellerflow_dev.bench.cost import START_SECONDS_PER_SELLER

    function = RESOURCES["StartSellerSyncFunction"]["Properties"]
    timeout = function.get("Timeout", load_template()["Globals"]["Function"]["Timeout"])
    # the largest batch at the modelled pace, and the reserve the function keeps for one slow start
    assert timeout >= MAX_FANOUT_BATCH * START_SECONDS_PER_SELLER + BATCH_TIME_RESERVE_S
    # the throttle's backoffs, a first run of the default batch and a quick rerun each: < 300 s
    (throttled,) = [r for r in CHILD["Retry"] if "WorkflowStartThrottled" in r["ErrorEquals"]]
    backoffs = sum(
        min(throttled["MaxDelaySeconds"], throttled["IntervalSeconds"] * throttled["BackoffRate"] ** n)
        for n in range(throttled["MaxAttempts"])
    )
    default = int(load_template()["Parameters"]["FanoutBatchSize"]["Default"])
    runs = default * START_SECONDS_PER_SELLER * (1 + throttled["MaxAttempts"])
    assert backoffs + runs < 300
