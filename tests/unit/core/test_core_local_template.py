"""Reading template.yaml for the local stack: short-form tags and the intrinsics it resolves."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from sellerflow_dev.local.template import Resolver, TemplateError, expand_language_extensions, load_template

REPO_TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(dedent(text), encoding="utf-8")
    return path


def _resolver(template: dict[str, Any] | None = None, **parameters: str) -> Resolver:
    base: dict[str, Any] = {
        "Parameters": {
            "Stage": {"Type": "String", "Default": "dev"},
            "Interval": {"Type": "Number", "Default": 15},
        },
        "Conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
            "IsNotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        },
        "Resources": {},
    }
    base.update(template or {})
    return Resolver(base, parameters, region="eu-west-1", account_id="123456789012")


# --- load_template -------------------------------------------------------------------------------
def test_short_form_tags_load_as_their_long_form(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Role: !GetAtt FnRole.Arn
              Nested: !GetAtt Db.Endpoint.Address
              Table: !Ref OrdersTable
              Name: !Sub "${AWS::StackName}-fn"
              ListSub: !Sub ["${X}-y", {X: !Ref Stage}]
              Joined: !Join [",", [a, !Ref Stage]]
              Picked: !If [IsProd, 1, !Ref AWS::NoValue]
              Same: !Equals [!Ref Stage, prod]
              Gate: !Condition IsProd
              FromList: !GetAtt [Other, Arn]
        """,
    )
    props = load_template(path)["Resources"]["Fn"]["Properties"]
    assert props["Role"] == {"Fn::GetAtt": ["FnRole", "Arn"]}
    assert props["Nested"] == {"Fn::GetAtt": ["Db", "Endpoint.Address"]}
    assert props["Table"] == {"Ref": "OrdersTable"}
    assert props["Name"] == {"Fn::Sub": "${AWS::StackName}-fn"}
    assert props["ListSub"] == {"Fn::Sub": ["${X}-y", {"X": {"Ref": "Stage"}}]}
    assert props["Joined"] == {"Fn::Join": [",", ["a", {"Ref": "Stage"}]]}
    assert props["Picked"] == {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}
    assert props["Same"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert props["Gate"] == {"Condition": "IsProd"}
    assert props["FromList"] == {"Fn::GetAtt": ["Other", "Arn"]}


def test_a_document_without_resources_is_not_a_template(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="no Resources"):
        load_template(_write(tmp_path, "Parameters: {}\n"))


def test_the_loader_stays_safe(tmp_path: Path) -> None:
    import yaml

    with pytest.raises(yaml.YAMLError):
        load_template(_write(tmp_path, "Resources: !!python/object/apply:os.system ['true']\n"))


def test_the_repository_template_loads() -> None:
    template = load_template(REPO_TEMPLATE)
    assert template["Resources"]
    assert "Globals" in template


# --- Resolver ------------------------------------------------------------------------------------
def test_ref_reads_parameters_defaults_and_pseudo_parameters() -> None:
    r = _resolver(Stage="prod")
    assert r.resolve({"Ref": "Stage"}) == "prod"
    assert r.resolve({"Ref": "Interval"}) == 15
    assert r.resolve({"Ref": "AWS::Region"}) == "eu-west-1"
    assert r.resolve({"Ref": "AWS::AccountId"}) == "123456789012"
    assert r.resolve({"Ref": "AWS::Partition"}) == "aws"


def test_a_parameter_without_default_or_value_is_refused() -> None:
    with pytest.raises(TemplateError, match="LwaClientId"):
        Resolver({"Parameters": {"LwaClientId": {"Type": "String"}}}, {}, region="us-east-1", account_id="1")


def test_an_unresolvable_ref_raises() -> None:
    with pytest.raises(TemplateError, match="NotCreatedYet"):
        _resolver().resolve({"Ref": "NotCreatedYet"})


def test_ref_to_a_created_resource_returns_its_physical_id() -> None:
    r = _resolver()
    r.refs["OrdersTable"] = "sellerflow-local-orders"
    assert r.resolve({"Properties": {"TableName": {"Ref": "OrdersTable"}}}) == {
        "Properties": {"TableName": "sellerflow-local-orders"}
    }


def test_sub_fills_params_attributes_and_keeps_literals() -> None:
    r = _resolver()
    r.attrs[("DataKey", "Arn")] = "arn:aws:kms:eu-west-1:123456789012:key/k1"
    text = "${AWS::StackName}-${Stage} uses ${DataKey.Arn} and ${!Literal} in ${AWS::Region}"
    assert r.resolve({"Fn::Sub": text}) == (
        "sellerflow-local-dev uses arn:aws:kms:eu-west-1:123456789012:key/k1 and ${Literal} in eu-west-1"
    )


def test_the_list_form_of_sub_uses_its_own_variables_first() -> None:
    r = _resolver()
    value = {
        "Fn::Sub": [
            "rate(${Minutes} minutes) in ${Stage}",
            {"Minutes": {"Ref": "Interval"}, "Stage": "override"},
        ]
    }
    assert r.resolve(value) == "rate(15 minutes) in override"


def test_sub_with_an_unknown_attribute_raises() -> None:
    with pytest.raises(TemplateError, match=r"Missing\.Arn"):
        _resolver().resolve({"Fn::Sub": "${Missing.Arn}"})


def test_get_att_reads_created_attributes_or_raises() -> None:
    r = _resolver()
    r.attrs[("Queue", "Arn")] = "arn:q"
    assert r.resolve({"Fn::GetAtt": ["Queue", "Arn"]}) == "arn:q"
    with pytest.raises(TemplateError, match=r"Queue\.Url"):
        r.resolve({"Fn::GetAtt": ["Queue", "Url"]})


def test_join_and_select() -> None:
    r = _resolver()
    assert r.resolve({"Fn::Join": ["-", ["a", {"Ref": "Stage"}, 3]]}) == "a-dev-3"
    assert r.resolve({"Fn::Select": [1, ["x", {"Ref": "Stage"}]]}) == "dev"


@pytest.mark.parametrize(("stage", "expected"), [("prod", "on"), ("dev", "off")])
def test_if_follows_an_equals_condition(stage: str, expected: str) -> None:
    r = _resolver(Stage=stage)
    assert r.resolve({"Fn::If": ["IsProd", "on", "off"]}) == expected
    assert r.condition("IsNotProd") is (stage != "prod")


def test_an_unknown_condition_raises() -> None:
    with pytest.raises(TemplateError, match="Nope"):
        _resolver().condition("Nope")


def test_no_value_drops_the_key_and_list_item() -> None:
    r = _resolver()
    value = {
        "DeletionProtectionEnabled": {"Fn::If": ["IsProd", True, {"Ref": "AWS::NoValue"}]},
        "TableName": "t",
        "Layers": ["keep", {"Ref": "AWS::NoValue"}],
    }
    assert r.resolve(value) == {"TableName": "t", "Layers": ["keep"]}


def test_conditions_are_evaluated_once() -> None:
    r = _resolver(Stage="prod")
    assert r.condition("IsProd") is True
    r.refs["Stage"] = "dev"
    assert r.condition("IsProd") is True


def test_plain_values_pass_through_untouched() -> None:
    value = {"A": [1, "two", {"B": None}], "C": 3.5}
    assert _resolver().resolve(value) == value


def test_an_unsupported_intrinsic_is_refused_loudly() -> None:
    r = _resolver({"Conditions": {"Odd": {"Fn::Equals": [{"Fn::FindInMap": ["M", "a", "b"]}, "x"]}}})
    with pytest.raises(TemplateError, match="Fn::FindInMap"):
        r.condition("Odd")


def test_and_or_conditions_evaluate_their_parts() -> None:
    r = _resolver(
        {
            "Conditions": {
                "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
                "ProdAndBig": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": ["1", "2"]}]},
                "ProdOrBig": {"Fn::Or": [{"Condition": "IsProd"}, {"Fn::Equals": ["1", "2"]}]},
            }
        }
    )
    r.refs["Stage"] = "prod"
    assert r.condition("ProdAndBig") is False
    assert r.condition("ProdOrBig") is True


# --- AWS::LanguageExtensions: Fn::ForEach ---------------------------------------------------------
def test_for_each_declares_one_resource_per_item(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
        Mappings:
          Functions:
            SyncOrders: {Name: sync-orders}
            Api: {Name: api}
        Resources:
          Fn::ForEach::FunctionLogGroups:
            - Function
            - [SyncOrders, Api]
            - ${Function}LogGroup:
                Type: AWS::Logs::LogGroup
                Properties:
                  LogGroupName: !Sub
                    - /aws/lambda/sellerflow-${Stage}-${Name}
                    - Name: !FindInMap [Functions, !Ref Function, Name]
                  Tag: !Ref Function
                  Path: !Sub /x/${Function}
          Plain:
            Type: AWS::SQS::Queue
        """,
    )
    resources = load_template(path)["Resources"]
    assert set(resources) == {"SyncOrdersLogGroup", "ApiLogGroup", "Plain"}
    props = resources["SyncOrdersLogGroup"]["Properties"]
    assert props["LogGroupName"] == {
        "Fn::Sub": ["/aws/lambda/sellerflow-${Stage}-${Name}", {"Name": "sync-orders"}]
    }
    assert props["Tag"] == "SyncOrders"
    assert props["Path"] == {"Fn::Sub": "/x/SyncOrders"}
    assert _resolver().resolve(resources["ApiLogGroup"]["Properties"]["LogGroupName"]) == (
        "/aws/lambda/sellerflow-dev-api"
    )


def test_for_each_strips_non_alphanumerics_from_ampersand_keys_and_nests() -> None:
    template = {
        "Resources": {
            "Fn::ForEach::Outer": [
                "Kind",
                ["a-b", "c"],
                {
                    "Fn::ForEach::Inner": [
                        "Size",
                        ["1", "2"],
                        {"Queue&{Kind}${Size}": {"Type": "AWS::SQS::Queue", "Properties": {"N": "${Kind}"}}},
                    ]
                },
            ]
        }
    }
    resources = expand_language_extensions(template)["Resources"]
    assert sorted(resources) == ["Queueab1", "Queueab2", "Queuec1", "Queuec2"]
    assert resources["Queueab2"]["Properties"] == {"N": "a-b"}


def test_for_each_refuses_what_it_cannot_expand() -> None:
    with pytest.raises(TemplateError, match="literal list"):
        expand_language_extensions({"Resources": {"Fn::ForEach::X": ["I", {"Ref": "Names"}, {"${I}": {}}]}})
    with pytest.raises(TemplateError, match="twice"):
        expand_language_extensions({"Resources": {"Fn::ForEach::X": ["I", ["a", "a"], {"Q${I}": {}}]}})
    with pytest.raises(TemplateError, match="Mappings"):
        expand_language_extensions(
            {"Resources": {"Fn::ForEach::X": ["I", ["a"], {"Q${I}": {"Fn::FindInMap": ["M", "a", "b"]}}]}}
        )


def test_the_repository_template_expands_to_plain_resources() -> None:
    resources = load_template(REPO_TEMPLATE)["Resources"]
    assert not [name for name in resources if name.startswith("Fn::")]
    assert all("Type" in resource for resource in resources.values())
