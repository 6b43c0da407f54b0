"""Local provisioning: the pure helpers and the refusal of resource types the local stack cannot create."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sellerflow_dev.local.provision import (
    IN_PROCESS_TYPES,
    Provisioner,
    UnsupportedResource,
    _encryption_rule,
    _lifecycle,
    _merge_globals,
    _tags_list,
)
from sellerflow_dev.local.stack import _rate_seconds
from sellerflow_dev.local.template import TemplateError


class NoAwsSession:
    """A session whose clients must never be asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def client(self, service: str, **kwargs: Any) -> Any:
        self.asked.append(service)
        raise AssertionError(f"client({service!r}) was called")


def test_globals_and_function_environment_variables_merge() -> None:
    global_props = {
        "Runtime": "python3.12",
        "Timeout": 60,
        "Layers": ["SharedLayer"],
        "Environment": {"Variables": {"LOG_LEVEL": "INFO", "TABLE": "shared"}},
    }
    merged = _merge_globals(
        global_props,
        {"Timeout": 10, "Layers": ["OwnLayer"], "Environment": {"Variables": {"TABLE": "own", "EXTRA": "1"}}},
    )
    assert merged["Runtime"] == "python3.12"
    assert merged["Timeout"] == 10
    assert merged["Layers"] == ["SharedLayer", "OwnLayer"]
    assert merged["Environment"] == {"Variables": {"LOG_LEVEL": "INFO", "TABLE": "own", "EXTRA": "1"}}
    assert global_props["Environment"] == {"Variables": {"LOG_LEVEL": "INFO", "TABLE": "shared"}}  # untouched


def test_a_function_without_its_own_environment_gets_the_globals() -> None:
    merged = _merge_globals({"Environment": {"Variables": {"A": "1"}}}, {"Handler": "app.handler"})
    assert merged == {"Environment": {"Variables": {"A": "1"}}, "Handler": "app.handler"}


def test_an_environment_without_globals_is_kept_as_declared() -> None:
    assert _merge_globals({}, {"Environment": {"Variables": {"A": "1"}}}) == {
        "Environment": {"Variables": {"A": "1"}}
    }


def test_the_encryption_rule_is_renamed_for_the_s3_api() -> None:
    rule = {
        "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "arn:key"},
        "BucketKeyEnabled": True,
    }
    assert _encryption_rule(rule) == {
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "arn:key"},
        "BucketKeyEnabled": True,
    }
    assert _encryption_rule({"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}) == {
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}
    }


def test_the_lifecycle_rules_are_translated() -> None:
    config = {
        "Rules": [
            {
                "Id": "ExpireRaw",
                "Status": "Enabled",
                "ExpirationInDays": "90",
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                "NoncurrentVersionExpiration": {"NoncurrentDays": 7},
            },
            {"Prefix": "tmp/"},
        ]
    }
    assert _lifecycle(config) == {
        "Rules": [
            {
                "ID": "ExpireRaw",
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "Expiration": {"Days": 90},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                "NoncurrentVersionExpiration": {"NoncurrentDays": 7},
            },
            {"ID": "rule", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}},
        ]
    }


def test_tags_are_listed_in_the_api_shape() -> None:
    assert _tags_list({"app": "sellerflow"}) == [{"Key": "app", "Value": "sellerflow"}]
    assert _tags_list([{"Key": "a", "Value": "b"}]) == [{"Key": "a", "Value": "b"}]
    assert _tags_list(None) == []


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(15 minutes)", 900), ("rate(2 hours)", 7200), (" rate(1 day) ", 86400)],
)
def test_rate_expressions_become_seconds(expression: str, seconds: int) -> None:
    assert _rate_seconds(expression) == seconds


@pytest.mark.parametrize("expression", ["cron(0 * * * ? *)", "rate(5 seconds)", "rate(minutes)"])
def test_other_schedules_are_refused(expression: str) -> None:
    with pytest.raises(ValueError, match="rate"):
        _rate_seconds(expression)


def test_the_local_scheduler_runs_rate_schedules_and_leaves_calendar_ones_to_be_fired_by_hand(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    from sellerflow_dev.local import stack as local_stack

    started: list[tuple[str, float]] = []

    class Recorded:
        def __init__(self, *, target: object, args: tuple[str, float], daemon: bool, name: str) -> None:
            started.append(args)

        def start(self) -> None:
            return None

    monkeypatch.setattr(local_stack.threading, "Thread", Recorded)
    stack = local_stack.LocalStack(local_stack.LocalStackConfig(schedule_time_scale=1.0))
    stack.resources = SimpleNamespace(  # type: ignore[assignment]
        schedules={
            "FanoutSchedule": SimpleNamespace(expression="rate(15 minutes)"),
            "ReportUsageSchedule": SimpleNamespace(expression="cron(0 3 1 * ? *)"),  # monthly
        }
    )
    stack.start_scheduler()
    assert started == [("FanoutSchedule", 900.0)]


def test_an_unknown_resource_type_is_refused_before_anything_is_created(tmp_path: Path) -> None:
    # Given a template with a table (creatable) and an EC2 instance (not)
    template = {
        "Resources": {
            "OrdersTable": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
            "Bastion": {"Type": "AWS::EC2::Instance", "Properties": {"ImageId": "ami-1"}},
        }
    }
    session = NoAwsSession()
    # When it is provisioned
    with pytest.raises(UnsupportedResource) as raised:
        Provisioner(template, root=tmp_path, session=session).provision()
    # Then the instance is named, and no AWS client was even created
    assert "Bastion" in str(raised.value)
    assert "AWS::EC2::Instance" in str(raised.value)
    assert isinstance(raised.value, TemplateError)
    assert session.asked == []


def test_in_process_types_need_no_aws(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Layer": {"Type": "AWS::Serverless::LayerVersion", "Properties": {}},
            "Api": {"Type": "AWS::Serverless::Api", "Properties": {}},
            "ApiAccount": {"Type": "AWS::ApiGateway::Account", "Condition": "Never"},
        },
        "Conditions": {"Never": {"Fn::Equals": ["a", "b"]}},
    }
    session = NoAwsSession()
    out = Provisioner(template, root=tmp_path, session=session).provision()
    assert out.api_logical_ids == ["Api"]
    assert session.asked == []
    assert set(IN_PROCESS_TYPES) >= {"AWS::Serverless::LayerVersion", "AWS::Serverless::Api"}


def test_the_repository_template_declares_only_supported_types() -> None:
    from sellerflow_dev.local.template import load_template

    template = load_template(Path(__file__).resolve().parents[3] / "template.yaml")
    provisioner = Provisioner(
        template,
        root=Path("."),
        session=NoAwsSession(),
        parameters={"LwaClientId": "x", "LwaClientSecret": "y"},
    )
    known = set(provisioner._creators) | set(IN_PROCESS_TYPES)
    unknown = {spec["Type"] for spec in template["Resources"].values()} - known
    assert unknown == set()
