"""template.yaml declares every AWS resource: these tests hold it to the storage, security and
workflow rules of ARCHITECTURE.md, and keep it in step with the code it deploys."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint
from template_helpers import (
    DYNAMODB_WRITE_ACTIONS,
    RESOURCE_STAR_ALLOWED_ACTIONS,
    ROOT,
    SAM_WRITE_POLICY_TEMPLATES,
    TEMPLATE_PATH,
    as_list,
    asl_placeholders,
    code_folder,
    function_environment,
    functions,
    global_environment,
    load_template,
    mentions,
    module_attributes,
    policy_statements,
    referenced_resource,
    resources_of_type,
    sam_policy_templates,
    state_machines,
    sub_references,
)

from sellerflow.settings import Settings

TABLES = resources_of_type("AWS::DynamoDB::Table")
FUNCTIONS = functions()
STATE_MACHINES = state_machines()
EVENTS = ROOT / "events"


def _resource(name: str) -> dict[str, Any]:
    return load_template()["Resources"][name]


def _props(name: str) -> dict[str, Any]:
    return _resource(name)["Properties"]


# --- cfn-lint ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lint_matches() -> list[Any]:
    return lint(TEMPLATE_PATH.read_text(), regions=["us-east-1", "eu-west-1"])


def test_cfn_lint_reports_no_errors(lint_matches: list[Any]) -> None:
    errors = [str(m) for m in lint_matches if m.rule.id.startswith("E")]
    assert errors == []


def test_cfn_lint_reports_no_warnings(lint_matches: list[Any]) -> None:
    warnings = [str(m) for m in lint_matches if m.rule.id.startswith("W")]
    assert warnings == []


# --- encryption and data lifecycle -------------------------------------------------------------


def test_every_key_in_the_template_rotates() -> None:
    keys = resources_of_type("AWS::KMS::Key")
    assert set(keys) >= {"DataKey", "PiiKey"}
    for name, key in keys.items():
        assert key["Properties"]["EnableKeyRotation"] is True, name


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_is_encrypted_with_a_customer_managed_key_of_this_template(table: str) -> None:
    sse = _props(table)["SSESpecification"]
    assert sse["SSEEnabled"] is True
    assert sse["SSEType"] == "KMS"
    key = referenced_resource(sse["KMSMasterKeyId"])
    assert key is not None, "KMSMasterKeyId must reference a key declared in the template"
    assert _resource(key)["Type"] == "AWS::KMS::Key"
    expected_key = "PiiKey" if table == "BuyerPiiTable" else "DataKey"
    assert key == expected_key


def test_buyer_pii_lives_in_its_own_table_under_its_own_key() -> None:
    assert referenced_resource(global_environment()["PII_TABLE"]) == "BuyerPiiTable"
    pii_key_users = {t for t in TABLES if mentions(_props(t)["SSESpecification"], "PiiKey")}
    assert pii_key_users == {"BuyerPiiTable"}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_is_on_demand_with_point_in_time_recovery_and_ttl(table: str) -> None:
    props = _props(table)
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_and_index_is_partitioned_by_seller_or_member(table: str) -> None:
    props = _props(table)
    assert props["KeySchema"][0] == {"AttributeName": "seller_id", "KeyType": "HASH"}
    for index in props.get("GlobalSecondaryIndexes", []):
        hash_key = index["KeySchema"][0]
        assert hash_key["KeyType"] == "HASH"
        # Per-seller indexes start with the seller; the two lookup indexes of the sellers table
        # (which seller does this member belong to / which sellers are active) carry the seller
        # id as their range key, never another seller's data.
        if hash_key["AttributeName"] != "seller_id":
            assert table == "SellersTable", index["IndexName"]
            assert index["KeySchema"][1] == {"AttributeName": "seller_id", "KeyType": "RANGE"}


def test_raw_documents_bucket_is_kms_encrypted_private_and_expires_objects() -> None:
    props = _props("RawDocumentsBucket")
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert referenced_resource(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]) == "DataKey"
    assert rule["BucketKeyEnabled"] is True
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    rules = [r for r in props["LifecycleConfiguration"]["Rules"] if r["Status"] == "Enabled"]
    assert any(referenced_resource(r.get("ExpirationInDays")) == "RawDocumentRetentionDays" for r in rules)
    assert any("AbortIncompleteMultipartUpload" in r for r in rules)


def test_raw_documents_bucket_policy_denies_requests_without_tls() -> None:
    props = _props("RawDocumentsBucketPolicy")
    assert referenced_resource(props["Bucket"]) == "RawDocumentsBucket"
    denies_plain_http = [
        s
        for s in props["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny"
        and s["Principal"] in ("*", {"AWS": "*"})
        and str(s["Condition"].get("Bool", {}).get("aws:SecureTransport")).lower() == "false"
    ]
    assert denies_plain_http
    resources = as_list(denies_plain_http[0]["Resource"])
    assert any(referenced_resource(r) == "RawDocumentsBucket" for r in resources)
    assert any("RawDocumentsBucket" in sub_references(r) for r in resources), "objects, not just the bucket"


def test_every_log_group_expires_and_is_encrypted() -> None:
    for name, group in resources_of_type("AWS::Logs::LogGroup").items():
        assert referenced_resource(group["Properties"]["RetentionInDays"]) == "LogRetentionDays", name
        assert referenced_resource(group["Properties"]["KmsKeyId"]) == "DataKey", name


# --- secrets -----------------------------------------------------------------------------------


def test_lwa_client_secret_is_no_echo_and_only_ever_stored_in_secrets_manager() -> None:
    template = load_template()
    assert template["Parameters"]["LwaClientSecret"]["NoEcho"] is True
    users = {name for name, res in template["Resources"].items() if mentions(res, "LwaClientSecret")}
    assert users == {"LwaAppSecret"}
    assert not mentions(template["Globals"], "LwaClientSecret")
    assert not mentions(template.get("Outputs", {}), "LwaClientSecret")
    assert referenced_resource(_props("LwaAppSecret")["KmsKeyId"]) == "DataKey"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_no_function_environment_carries_a_secret_value(function: str) -> None:
    environment = function_environment(FUNCTIONS[function])
    for parameter in ("LwaClientSecret", "LwaClientId"):
        assert not mentions(environment, parameter)
    for value in environment.values():
        if isinstance(value, str):
            assert not re.search(r"(?i)(secret|token|password)\s*[:=]", value)


# --- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_environment_variable_is_a_setting_the_code_reads(function: str) -> None:
    settings_names = {
        (field.validation_alias or name).upper()
        for name, field in Settings.model_fields.items()
        if isinstance(field.validation_alias or name, str)
    }
    for variable in function_environment(FUNCTIONS[function]):
        assert variable.startswith("POWERTOOLS_") or variable in settings_names, variable


def test_every_function_is_told_where_every_store_and_endpoint_is() -> None:
    required = {
        "SELLER_DATA_TABLE",
        "SELLERS_TABLE",
        "AUDIT_TABLE",
        "PII_TABLE",
        "RAW_BUCKET",
        "DATA_KEY_ID",
        "PII_KEY_ID",
        "LWA_APP_SECRET_NAME",
        "LWA_ENDPOINT",
        "SPAPI_ENDPOINT",
        "COGNITO_USER_POOL_ID",
        "COGNITO_APP_CLIENT_ID",
    }
    for name, function in FUNCTIONS.items():
        assert required <= set(function_environment(function)), name


# --- auth --------------------------------------------------------------------------------------


def test_user_pool_requires_mfa_and_strong_passwords() -> None:
    props = _props("UserPool")
    assert props["MfaConfiguration"] == "ON"
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    password = props["Policies"]["PasswordPolicy"]
    assert password["MinimumLength"] >= 12
    for character_class in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"):
        assert password[character_class] is True, character_class
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_app_client_is_public_without_admin_flows_and_revocable() -> None:
    props = _props("UserPoolClient")
    assert props["GenerateSecret"] is False
    # The dashboard signs in with USER_PASSWORD_AUTH over TLS (Cognito's JSON API, no SRP library in
    # the browser); no admin flow is open to the public client.
    assert set(props["ExplicitAuthFlows"]) == {
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert props["PreventUserExistenceErrors"] == "ENABLED"
    assert props["EnableTokenRevocation"] is True


def test_every_api_route_is_behind_the_cognito_authorizer() -> None:
    auth = _props("SellerflowApi")["Auth"]
    assert auth["DefaultAuthorizer"] == "CognitoAuthorizer"
    pool = auth["Authorizers"]["CognitoAuthorizer"]["UserPoolArn"]
    assert referenced_resource(pool) == "UserPool"
    for function in FUNCTIONS.values():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "Api":
                assert "Authorizer" not in event["Properties"].get("Auth", {}), "no route opts out"


# --- workflows ---------------------------------------------------------------------------------


@pytest.mark.parametrize("machine", sorted(STATE_MACHINES))
def test_state_machine_definition_exists_and_every_placeholder_is_substituted(machine: str) -> None:
    props = _props(machine)
    definition = ROOT / props["DefinitionUri"]
    assert definition.is_file(), definition
    json.loads(definition.read_text())
    assert asl_placeholders(definition) == set(props["DefinitionSubstitutions"])


@pytest.mark.parametrize("machine", sorted(STATE_MACHINES))
def test_state_machine_invokes_only_the_functions_it_names(machine: str) -> None:
    props = _props(machine)
    substituted = set()
    for placeholder, value in props["DefinitionSubstitutions"].items():
        function = referenced_resource(value)
        assert function in FUNCTIONS, placeholder
        assert placeholder == f"{function}Arn"
        substituted.add(function)
    invokable = {
        referenced_resource(parameters["FunctionName"])
        for name, parameters in sam_policy_templates(props["Policies"])
        if name == "LambdaInvokePolicy"
    }
    assert invokable == substituted


@pytest.mark.parametrize("machine", sorted(STATE_MACHINES))
def test_state_machine_logs_errors_without_execution_data(machine: str) -> None:
    props = _props(machine)
    assert props["Type"] == "STANDARD"
    assert props["Tracing"] == {"Enabled": True}
    logging = props["Logging"]
    assert logging["Level"] == "ERROR"
    assert logging["IncludeExecutionData"] is False
    (destination,) = logging["Destinations"]
    group = referenced_resource(destination["CloudWatchLogsLogGroup"]["LogGroupArn"])
    assert _resource(group)["Type"] == "AWS::Logs::LogGroup"


def test_schedule_starts_the_fanout_machine_with_a_role_that_can_do_nothing_else() -> None:
    props = resources_of_type("AWS::Scheduler::Schedule")["FanoutSchedule"]["Properties"]
    assert mentions(props["ScheduleExpression"], "SyncIntervalMinutes")
    assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}
    target = props["Target"]
    assert referenced_resource(target["Arn"]) == "FanoutStateMachine"
    assert "RetryPolicy" in target
    role = _resource(referenced_resource(target["RoleArn"]))
    principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "scheduler.amazonaws.com"}
    statements = list(policy_statements(role["Properties"]["Policies"]))
    assert [as_list(s["Action"]) for s in statements] == [["states:StartExecution"]]
    assert [referenced_resource(s["Resource"]) for s in statements] == ["FanoutStateMachine"]


def test_every_schedule_is_the_fanout_or_the_daily_expiry_sweeper() -> None:
    assert set(resources_of_type("AWS::Scheduler::Schedule")) == {"FanoutSchedule", "SweepExpiredSchedule"}


def test_sweeper_schedule_invokes_only_the_sweeper_daily_with_a_role_that_can_do_nothing_else() -> None:
    props = _props("SweepExpiredSchedule")
    assert props["ScheduleExpression"] == "rate(1 day)"
    target = props["Target"]
    assert referenced_resource(target["Arn"]) == "SweepExpiredFunction"
    assert "RetryPolicy" in target
    role = _resource(referenced_resource(target["RoleArn"]))
    principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "scheduler.amazonaws.com"}
    statements = list(policy_statements(role["Properties"]["Policies"]))
    assert [as_list(s["Action"]) for s in statements] == [["lambda:InvokeFunction"]]
    assert [referenced_resource(s["Resource"]) for s in statements] == ["SweepExpiredFunction"]


def test_start_seller_sync_may_start_only_the_seller_sync_machine() -> None:
    props = _props("StartSellerSyncFunction")
    env = props["Environment"]["Variables"]
    assert referenced_resource(env["SELLER_SYNC_STATE_MACHINE_ARN"]) == "SellerSyncStateMachine"
    starts = [
        s for s in policy_statements(props["Policies"]) if "states:StartExecution" in as_list(s["Action"])
    ]
    assert [referenced_resource(s["Resource"]) for s in starts] == ["SellerSyncStateMachine"]


# --- least privilege ---------------------------------------------------------------------------


ROLE_OWNING_TYPES = (
    "AWS::Serverless::Function",
    "AWS::Serverless::StateMachine",
    "AWS::IAM::Role",
    "AWS::IAM::ManagedPolicy",
)


def _all_role_statements() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, resource in load_template()["Resources"].items():
        if resource["Type"] in ROLE_OWNING_TYPES:
            properties = resource["Properties"]
            policies = properties.get("Policies") or properties.get("PolicyDocument")
            found += [(name, s) for s in policy_statements(policies)]
    return found


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_function_has_its_own_policies(function: str) -> None:
    policies = as_list(FUNCTIONS[function]["Properties"].get("Policies", []))
    assert policies, "each function declares exactly what it may do"
    assert "Role" not in FUNCTIONS[function]["Properties"], "no shared role"


def test_no_policy_grants_every_action_of_a_service() -> None:
    for owner, statement in _all_role_statements():
        for action in as_list(statement["Action"]):
            assert action != "*", owner
            assert not action.endswith(":*"), f"{owner}: {action}"


def test_resource_star_only_where_aws_offers_nothing_narrower() -> None:
    for owner, statement in _all_role_statements():
        if "*" in as_list(statement["Resource"]):
            broad = set(as_list(statement["Action"])) - RESOURCE_STAR_ALLOWED_ACTIONS
            assert not broad, f"{owner} grants {sorted(broad)} on every resource"


def test_api_function_cannot_write_seller_data_and_only_puts_to_sellers() -> None:
    # The API writes seller-entered COGS and the dirty-day markers a COGS change makes (sellers
    # table: PutItem/BatchWriteItem only); it never writes the seller-data table.
    policies = FUNCTIONS["ApiFunction"]["Properties"]["Policies"]
    for statement in policy_statements(policies):
        writes = set(as_list(statement["Action"])) & DYNAMODB_WRITE_ACTIONS
        if writes:
            for resource in as_list(statement["Resource"]):
                assert not mentions(resource, "SellerDataTable"), writes
                if mentions(resource, "SellersTable"):
                    # UpdateItem: a (re)connected seller's profile; DeleteItem: connect-state nonces
                    # only (their CONNECT# partitions, pinned by a LeadingKeys condition).
                    allowed = {"dynamodb:PutItem", "dynamodb:BatchWriteItem", "dynamodb:UpdateItem"}
                    if statement.get("Sid") == "ManageTeams":
                        # Team changes: conditional puts, a removed member's delete, and the
                        # "another owner remains" condition check of the same transaction.
                        assert writes == {"dynamodb:PutItem", "dynamodb:DeleteItem"}, writes
                        allowed.add("dynamodb:DeleteItem")
                    elif "dynamodb:DeleteItem" in writes:
                        leading = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                        assert as_list(leading) == ["CONNECT#*"], leading
                        allowed.add("dynamodb:DeleteItem")
                    assert writes <= allowed, writes
    for name, parameters in sam_policy_templates(policies):
        if name in SAM_WRITE_POLICY_TEMPLATES:
            assert referenced_resource(parameters.get("TableName")) not in ("SellerDataTable", "SellersTable")


def test_api_function_may_only_append_to_the_audit_log() -> None:
    # Appending to the hash chain reads its head (GetItem); the owners' audit route reads (Query).
    # Writes stay conditional puts only: no update or delete of an audit item.
    policies = FUNCTIONS["ApiFunction"]["Properties"]["Policies"]
    audit_actions = {
        action
        for statement in policy_statements(policies)
        if any(mentions(r, "AuditTable") for r in as_list(statement["Resource"]))
        for action in as_list(statement["Action"])
    }
    assert audit_actions == {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"}


# --- functions and their code ------------------------------------------------------------------


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_function_code_folder_defines_its_handler(function: str) -> None:
    props = FUNCTIONS[function]["Properties"]
    module_name, attribute = props["Handler"].rsplit(".", 1)
    module = code_folder(FUNCTIONS[function]) / f"{module_name}.py"
    assert module.is_file(), f"{function}: {module.relative_to(ROOT)} does not exist yet"
    assert attribute in module_attributes(module), f"{module.relative_to(ROOT)} defines no {attribute}"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_function_logs_to_its_own_log_group_with_retention(function: str) -> None:
    props = FUNCTIONS[function]["Properties"]
    group_name = referenced_resource(props["LoggingConfig"]["LogGroup"])
    group = _props(group_name)
    function_name = props["FunctionName"]["Fn::Sub"]
    assert group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/{function_name}"}
    assert referenced_resource(group["RetentionInDays"]) == "LogRetentionDays"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_function_has_a_sample_event(function: str) -> None:
    folder = Path(FUNCTIONS[function]["Properties"]["CodeUri"]).name
    samples = [EVENTS / f"{folder}.json", *EVENTS.glob(f"{folder}_*.json")]
    samples = [p for p in samples if p.is_file()]
    assert samples, f"no events/{folder}.json or events/{folder}_*.json"
    for sample in samples:
        assert isinstance(json.loads(sample.read_text()), dict)


def _api_routes_in_template() -> set[tuple[str, str]]:
    events = FUNCTIONS["ApiFunction"]["Properties"]["Events"].values()
    return {
        (e["Properties"]["Method"].upper(), e["Properties"]["Path"])
        for e in events
        if e["Type"] == "Api" and referenced_resource(e["Properties"]["RestApiId"]) == "SellerflowApi"
    }


def test_api_routes_in_the_template_are_the_agreed_ones() -> None:
    assert _api_routes_in_template() == {
        ("GET", "/sellers"),
        ("GET", "/sellers/{sellerId}/orders"),
        ("GET", "/sellers/{sellerId}/orders/{orderId}"),
        ("GET", "/sellers/{sellerId}/dashboard"),
        ("GET", "/sellers/{sellerId}/analytics/daily"),
        ("GET", "/sellers/{sellerId}/analytics/skus"),
        ("GET", "/sellers/{sellerId}/inventory"),
        ("GET", "/sellers/{sellerId}/settlements"),
        ("GET", "/sellers/{sellerId}/settlements/{settlementId}"),
        ("GET", "/sellers/{sellerId}/transactions"),
        ("GET", "/sellers/{sellerId}/cogs"),
        ("PUT", "/sellers/{sellerId}/cogs/{sku}"),
        # The seller's data rights (owners only): export, erasure, disconnection.
        ("POST", "/sellers/{sellerId}/exports"),
        ("GET", "/sellers/{sellerId}/exports/{exportId}"),
        ("DELETE", "/sellers/{sellerId}"),
        ("POST", "/sellers/{sellerId}/disconnect"),
        # Data protection: buyer PII on demand (members), the audit trail (owners only).
        ("GET", "/sellers/{sellerId}/orders/{orderId}/shipping-address"),
        ("GET", "/sellers/{sellerId}/audit"),
        # Alerts (issue 6): rules, the alerts sent, WhatsApp recipients.
        ("GET", "/sellers/{sellerId}/alerts/rules"),
        ("PUT", "/sellers/{sellerId}/alerts/rules"),
        ("GET", "/sellers/{sellerId}/alerts"),
        ("GET", "/sellers/{sellerId}/alerts/recipients"),
        ("PUT", "/sellers/{sellerId}/alerts/recipients"),
        # Connecting an Amazon account (the website authorization workflow) and its status.
        ("GET", "/connect/amazon"),
        ("POST", "/connect/amazon/callback"),
        ("GET", "/sellers/{sellerId}/connection"),
        # Granting Amazon Ads access (Login with Amazon, advertising scope): owners only.
        ("GET", "/sellers/{sellerId}/connect/amazon-ads"),
        ("POST", "/sellers/{sellerId}/connect/amazon-ads/callback"),
        # Teams: who am I, members and roles, invitations (owners: MEMBERS_MANAGE).
        ("GET", "/me"),
        ("GET", "/sellers/{sellerId}/members"),
        ("PUT", "/sellers/{sellerId}/members/{userSub}"),
        ("DELETE", "/sellers/{sellerId}/members/{userSub}"),
        ("POST", "/sellers/{sellerId}/invitations"),
        ("GET", "/sellers/{sellerId}/invitations"),
        ("DELETE", "/sellers/{sellerId}/invitations/{invitationId}"),
        ("POST", "/invitations/accept"),
        # Global admins (the Cognito group `admins`): control data and the audited break-glass.
        ("GET", "/admin/sellers"),
        ("PUT", "/admin/sellers/{sellerId}/members/{userSub}"),
        ("DELETE", "/admin/sellers/{sellerId}/members/{userSub}"),
        ("POST", "/admin/sellers/{sellerId}/break-glass"),
        # Advertising (Amazon Ads): campaigns and the daily series (ANALYTICS_READ)
        ("GET", "/sellers/{sellerId}/ads/campaigns"),
        ("GET", "/sellers/{sellerId}/ads/daily"),
    }


def test_every_api_route_has_a_sample_event_and_every_sample_a_route() -> None:
    samples = {}
    for path in EVENTS.glob("api_*.json"):
        event = json.loads(path.read_text())
        assert event["requestContext"]["resourcePath"] == event["resource"], path.name
        assert "claims" in event["requestContext"]["authorizer"], path.name
        samples[path.name] = (event["httpMethod"], event["resource"])
    assert set(samples.values()) == _api_routes_in_template()


def test_sample_events_carry_no_tokens_or_personal_data() -> None:
    for path in EVENTS.glob("*.json"):
        text = path.read_text()
        assert not re.search(r"eyJ[A-Za-z0-9_-]{10,}", text), f"{path.name}: a JWT"
        assert "Atzr|" not in text, f"{path.name}: an LWA refresh token"
        assert "Atza|" not in text, f"{path.name}: an LWA access token"
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text), f"{path.name}: an email address"
        assert '"Authorization"' not in text, f"{path.name}: an Authorization header"


def _load_chalice_app() -> Any:
    path = ROOT / "functions" / "api" / "app.py"
    assert path.is_file(), "functions/api/app.py does not exist yet"
    spec = importlib.util.spec_from_file_location("sellerflow_api_handler_under_test", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module.app


def test_api_events_in_the_template_match_the_chalice_app_routes() -> None:
    app = _load_chalice_app()
    app_routes = {(method.upper(), path) for path, methods in app.routes.items() for method in methods}
    assert app_routes == _api_routes_in_template()


# --- outputs and parameters --------------------------------------------------------------------


def test_outputs_tell_operators_and_the_local_stack_where_everything_is() -> None:
    outputs = load_template()["Outputs"]
    assert set(outputs) >= {
        "ApiUrl",
        "UserPoolId",
        "UserPoolClientId",
        "SellerDataTableName",
        "SellersTableName",
        "AuditTableName",
        "FanoutStateMachineArn",
        "SellerSyncStateMachineArn",
        "RawDocumentsBucketName",
    }
    for name, output in outputs.items():
        assert output.get("Description"), name


def test_every_parameter_is_documented() -> None:
    for name, parameter in load_template()["Parameters"].items():
        assert parameter.get("Description"), name
