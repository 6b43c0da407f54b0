"""What a team needs to run the deployment (issue 13 item 8), checked on template.yaml.

Every function, workflow and dead-letter queue has its alarms on the operator topic; every
asynchronous path ends in a dead-letter queue or failure destination; stateful resources survive a
stack delete; and every function that reads a store encrypted under one of the template's keys has a
way to decrypt it in AWS (moto never checks KMS permissions, so only this test would notice).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from template_helpers import (
    as_list,
    functions,
    load_template,
    mentions,
    policy_statements,
    referenced_resource,
    rendered_sub,
    resources_of_type,
    sub_references,
)

STATEFUL_TYPES = ("AWS::KMS::Key", "AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Cognito::UserPool")
# The service that calls KMS for a reader of each kind of store (None: the reader calls KMS itself).
STORE_SERVICE = {
    "AWS::DynamoDB::Table": "dynamodb",
    "AWS::S3::Bucket": "s3",
    "AWS::SecretsManager::Secret": "secretsmanager",
    "AWS::SQS::Queue": None,
    "AWS::SNS::Topic": None,
}
# What each service's use of an encrypted store needs from KMS: reading decrypts; sending to an
# encrypted queue or topic makes a data key (and SQS/SNS decrypt it to check it).
WRITE_ACTIONS = {"sqs:SendMessage", "sns:Publish"}
# Actions that never touch an object's content, so never its key (the erase function deletes kept
# labels from the PII-keyed label bucket without being able to read them).
KEYLESS_ACTIONS = {"s3:ListBucket", "s3:DeleteObject"}


def _resources() -> dict[str, dict[str, Any]]:
    return load_template()["Resources"]  # type: ignore[no-any-return]


def _alarms() -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in resources_of_type("AWS::CloudWatch::Alarm").items()}


def _operator_alarms() -> list[dict[str, Any]]:
    return [a for a in _alarms().values() if mentions(a["AlarmActions"], "OperationsTopic")]


def _dimension(alarm: dict[str, Any], name: str) -> str | None:
    dimensions = list(alarm.get("Dimensions", []))
    for query in alarm.get("Metrics", []):
        dimensions += query.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])
    for dimension in dimensions:
        if dimension["Name"] == name:
            value = dimension["Value"]
            return rendered_sub(value) if isinstance(value, dict) and "Fn::Sub" in value else str(value)
    return None


def _metric_names(alarm: dict[str, Any]) -> set[str]:
    names = {alarm["MetricName"]} if "MetricName" in alarm else set()
    for query in alarm.get("Metrics", []):
        metric = query.get("MetricStat", {}).get("Metric")
        if metric:
            names.add(metric["MetricName"])
    return names


def _physical_name(resource: dict[str, Any], key: str) -> str:
    return rendered_sub(resource["Properties"][key])


# --- alarms -----------------------------------------------------------------------------------------


def test_operations_topic_is_encrypted_and_cloudwatch_may_publish_to_it() -> None:
    resources = _resources()
    assert (
        referenced_resource(resources["OperationsTopic"]["Properties"]["KmsMasterKeyId"]) == "OperationsKey"
    )
    statements = resources["OperationsKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert any(s.get("Principal", {}).get("Service") == "cloudwatch.amazonaws.com" for s in statements)
    topic_policy = resources["OperationsTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Principal"] == {"Service": "cloudwatch.amazonaws.com"} for s in topic_policy)


@pytest.mark.parametrize("function", sorted(functions()))
@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_an_errors_and_a_throttles_alarm(function: str, metric: str) -> None:
    name = _physical_name(functions()[function], "FunctionName")
    assert any(
        _metric_names(a) == {metric} and _dimension(a, "FunctionName") == name for a in _operator_alarms()
    ), f"no {metric} alarm on {name}"


@pytest.mark.parametrize("machine", sorted(resources_of_type("AWS::Serverless::StateMachine")))
def test_every_workflow_has_a_failed_executions_alarm(machine: str) -> None:
    name = _physical_name(resources_of_type("AWS::Serverless::StateMachine")[machine], "Name")
    assert any(
        "ExecutionsFailed" in _metric_names(a)
        and (_dimension(a, "StateMachineArn") or "").endswith(f":stateMachine:{name}")
        for a in _operator_alarms()
    ), f"no failed-executions alarm on {name}"


def _dead_letter_queues() -> set[str]:
    """Every queue something sends its failures to: a redrive target, a DLQ, a failure destination."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in ("deadLetterTargetArn", "DeadLetterConfig", "OnFailure"):
                    found.update(r for r in [_queue_of(inner)] if r)
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(_resources())
    return found


def _queue_of(value: Any) -> str | None:
    for candidate in (value, value.get("Arn") if isinstance(value, dict) else None):
        target = referenced_resource(candidate)
        if target:
            return target
    if isinstance(value, dict) and "Destination" in value:
        return referenced_resource(value["Destination"])
    return None


def test_the_dead_letter_queues_are_the_known_ones() -> None:
    assert _dead_letter_queues() == {
        "NotificationsDeadLetterQueue",
        "WhatsAppDeadLetterQueue",
        "AsyncFailuresQueue",
    }


@pytest.mark.parametrize("queue", sorted(_dead_letter_queues()))
def test_every_dead_letter_queue_has_a_depth_alarm(queue: str) -> None:
    name = _physical_name(_resources()[queue], "QueueName")
    assert any(
        _metric_names(a) == {"ApproximateNumberOfMessagesVisible"} and _dimension(a, "QueueName") == name
        for a in _operator_alarms()
    ), f"no depth alarm on {name}"


def test_the_api_has_5xx_and_latency_alarms() -> None:
    api = _physical_name(_resources()["SellerflowApi"], "Name")
    watched = {m for a in _operator_alarms() if _dimension(a, "ApiName") == api for m in _metric_names(a)}
    assert watched == {"5XXError", "Latency"}


def test_sync_lag_alarm_watches_the_metric_the_record_step_emits() -> None:
    from sellerflow.sync import results

    lagging = [a for a in _operator_alarms() if _metric_names(a) == {results.SYNC_LAGGING}]
    assert len(lagging) == 1
    assert lagging[0]["Namespace"] == "Sellerflow"
    assert results.SYNC_LAG_RUNS == 2  # "no successful sync for 2 cadences"


def test_one_operations_dashboard() -> None:
    dashboards = resources_of_type("AWS::CloudWatch::Dashboard")
    assert list(dashboards) == ["OperationsDashboard"]


# --- asynchronous paths -----------------------------------------------------------------------------


@pytest.mark.parametrize("schedule", sorted(resources_of_type("AWS::Scheduler::Schedule")))
def test_every_schedule_retries_then_keeps_what_it_could_not_deliver(schedule: str) -> None:
    target = resources_of_type("AWS::Scheduler::Schedule")[schedule]["Properties"]["Target"]
    assert "RetryPolicy" in target
    assert referenced_resource(target["DeadLetterConfig"]["Arn"]) == "AsyncFailuresQueue"


def _asynchronously_invoked_functions() -> set[str]:
    """Functions a schedule or a topic invokes (Lambda's asynchronous invocation)."""
    invoked = {
        referenced_resource(s["Properties"]["Target"]["Arn"])
        for s in resources_of_type("AWS::Scheduler::Schedule").values()
    }
    invoked |= {
        referenced_resource(s["Properties"]["Endpoint"])
        for s in resources_of_type("AWS::SNS::Subscription").values()
        if s["Properties"]["Protocol"] == "lambda"
    }
    for name, function in functions().items():
        for event in (function["Properties"].get("Events") or {}).values():
            if event["Type"] in ("Schedule", "ScheduleV2", "SNS", "S3", "EventBridgeRule", "CloudWatchEvent"):
                invoked.add(name)
    return {name for name in invoked if name in functions()}


def test_the_scheduled_functions_are_the_asynchronously_invoked_ones() -> None:
    assert _asynchronously_invoked_functions() == {
        "SweepExpiredFunction", "AccessReviewReminderFunction", "ReportUsageFunction",
        "FetchFxRatesFunction",
    }  # fmt: skip


@pytest.mark.parametrize("function", sorted(_asynchronously_invoked_functions()))
def test_every_asynchronously_invoked_function_has_a_failure_destination(function: str) -> None:
    config = functions()[function]["Properties"]["EventInvokeConfig"]
    on_failure = config["DestinationConfig"]["OnFailure"]
    assert on_failure["Type"] == "SQS"
    assert referenced_resource(on_failure["Destination"]) == "AsyncFailuresQueue"


@pytest.mark.parametrize("subscription", sorted(resources_of_type("AWS::SNS::Subscription")))
def test_every_topic_subscription_has_a_dead_letter_queue(subscription: str) -> None:
    props = resources_of_type("AWS::SNS::Subscription")[subscription]["Properties"]
    dead_letters = referenced_resource(props["RedrivePolicy"]["deadLetterTargetArn"])
    assert dead_letters in resources_of_type("AWS::SQS::Queue")
    # SNS may send there: a queue policy allows the topic.
    policies = [
        p["Properties"]
        for p in resources_of_type("AWS::SQS::QueuePolicy").values()
        if any(referenced_resource(q) == dead_letters for q in p["Properties"]["Queues"])
    ]
    assert any(
        s["Principal"] == {"Service": "sns.amazonaws.com"} and mentions(s.get("Condition"), "AlertsTopic")
        for p in policies
        for s in p["PolicyDocument"]["Statement"]
    )


def test_sqs_event_sources_are_bounded_by_maximum_concurrency_not_reserved_concurrency() -> None:
    sources = 0
    for name, function in functions().items():
        events = (function["Properties"].get("Events") or {}).values()
        queue_events = [e for e in events if e["Type"] == "SQS"]
        for event in queue_events:
            sources += 1
            assert event["Properties"]["ScalingConfig"]["MaximumConcurrency"] >= 2, name
        if queue_events:
            assert "ReservedConcurrentExecutions" not in function["Properties"], name
    assert sources >= 2


# --- stateful resources -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "resource", sorted(n for n, r in load_template()["Resources"].items() if r["Type"] in STATEFUL_TYPES)
)
def test_keys_tables_buckets_and_the_user_pool_are_retained(resource: str) -> None:
    spec = _resources()[resource]
    assert spec.get("DeletionPolicy") == "Retain"
    assert spec.get("UpdateReplacePolicy") == "Retain"


# --- a decrypt path for every encrypted store a function uses ---------------------------------------


def _store_key(resource: dict[str, Any]) -> str | None:
    """The template's KMS key a store is encrypted under (None: AWS-owned or SSE-S3/SQS)."""
    props = resource["Properties"]
    match resource["Type"]:
        case "AWS::DynamoDB::Table":
            return referenced_resource((props.get("SSESpecification") or {}).get("KMSMasterKeyId"))
        case "AWS::S3::Bucket":
            rules = props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
            keys = [
                referenced_resource(r["ServerSideEncryptionByDefault"].get("KMSMasterKeyID")) for r in rules
            ]
            return next((k for k in keys if k), None)
        case "AWS::SecretsManager::Secret":
            return referenced_resource(props.get("KmsKeyId"))
        case "AWS::SQS::Queue" | "AWS::SNS::Topic":
            return referenced_resource(props.get("KmsMasterKeyId"))
    return None


def _statement_targets(statement: dict[str, Any]) -> set[str]:
    targets: set[str] = set()
    for resource in as_list(statement.get("Resource", [])):
        target = referenced_resource(resource)
        targets |= {target} if target else sub_references(resource)
    return targets


def _function_statements(template: dict[str, Any], function: dict[str, Any]) -> list[dict[str, Any]]:
    """The function role's statements: inline ones and the template's managed policies it attaches."""
    statements: list[dict[str, Any]] = []
    for policy in as_list(function["Properties"].get("Policies") or []):
        managed = referenced_resource(policy)
        if managed:
            document = template["Resources"][managed]["Properties"]["PolicyDocument"]
            statements += as_list(document["Statement"])
        else:
            statements += list(policy_statements([policy]))
    return [s for s in statements if s.get("Effect", "Allow") == "Allow"]


def _tenant_statements(template: dict[str, Any], statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a function may do through the tenant data role, when it may assume it."""
    if not any(
        "sts:AssumeRole" in as_list(s["Action"]) and "TenantDataRole" in _statement_targets(s)
        for s in statements
    ):
        return []
    role = template["Resources"]["TenantDataRole"]["Properties"]
    return list(policy_statements(role.get("Policies")))


def _allows(actions: list[str], wanted: str) -> bool:
    return any(a in (wanted, "kms:*") or (a.endswith("*") and wanted.startswith(a[:-1])) for a in actions)


def _key_policy_lets_the_store_decrypt(template: dict[str, Any], key: str, store: str, service: str) -> bool:
    for statement in template["Resources"][key]["Properties"]["KeyPolicy"]["Statement"]:
        if statement["Effect"] != "Allow" or statement.get("Principal") != {"AWS": "*"}:
            continue
        equals = (statement.get("Condition") or {}).get("StringEquals", {})
        services = [
            rendered_sub(v) if isinstance(v, dict) else v for v in as_list(equals.get("kms:ViaService", []))
        ]
        if not _allows(as_list(statement["Action"]), "kms:Decrypt") or "kms:CallerAccount" not in equals:
            continue
        if f"{service}.${{AWS::Region}}.amazonaws.com" not in services:
            continue
        table = equals.get("kms:EncryptionContext:aws:dynamodb:tableName")
        if table is not None and rendered_sub(table) != _physical_name(
            template["Resources"][store], "TableName"
        ):
            continue
        return True
    return False


def decrypt_gaps(template: dict[str, Any]) -> list[str]:
    """Each (function, encrypted store) pair the function uses without a way to decrypt it."""
    gaps: list[str] = []
    resources = template["Resources"]
    for name, function in resources.items():
        if function["Type"] != "AWS::Serverless::Function":
            continue
        own = _function_statements(template, function)
        tenant = _tenant_statements(template, own)
        # A seller's items are read with the tenant role's session: its own grants are what count.
        for statement, holder in [(s, own) for s in own] + [(s, tenant) for s in tenant]:
            actions = as_list(statement["Action"])
            if set(actions) <= KEYLESS_ACTIONS:
                continue
            for store in _statement_targets(statement):
                if resources.get(store, {}).get("Type") not in STORE_SERVICE:
                    continue
                key = _store_key(resources[store])
                if key is None:
                    continue
                needed = "kms:GenerateDataKey" if WRITE_ACTIONS & set(actions) else "kms:Decrypt"
                granted = any(
                    _allows(as_list(s["Action"]), needed) and key in _statement_targets(s) for s in holder
                )
                service = STORE_SERVICE[resources[store]["Type"]]
                via_key_policy = service is not None and _key_policy_lets_the_store_decrypt(
                    template, key, store, service
                )
                if not (granted or via_key_policy):
                    gaps.append(f"{name} uses {store} (encrypted under {key}) and cannot {needed}")
    return sorted(set(gaps))


def test_every_function_can_decrypt_every_encrypted_store_it_uses() -> None:
    assert decrypt_gaps(load_template()) == []


def test_the_decrypt_check_finds_a_table_reader_without_a_key_path() -> None:
    # Given the data key's policy without its statement for the data stores
    template = copy.deepcopy(load_template())
    statements = template["Resources"]["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
    statements[:] = [s for s in statements if s.get("Sid") != "UseThroughTheDataStores"]
    # Then a function that only reads the sellers table through IAM is found
    gaps = decrypt_gaps(template)
    assert any(g.startswith("ListDueSellersFunction uses SellersTable") for g in gaps), gaps


def test_the_pii_key_serves_the_buyer_pii_table_only_through_dynamodb() -> None:
    statements = _resources()["PiiKey"]["Properties"]["KeyPolicy"]["Statement"]
    open_statements = [s for s in statements if s.get("Principal") == {"AWS": "*"}]
    assert len(open_statements) == 1
    equals = open_statements[0]["Condition"]["StringEquals"]
    assert rendered_sub(equals["kms:ViaService"]) == "dynamodb.${AWS::Region}.amazonaws.com"
    assert (
        rendered_sub(equals["kms:EncryptionContext:aws:dynamodb:tableName"])
        == "sellerflow-${Stage}-buyer-pii"
    )
