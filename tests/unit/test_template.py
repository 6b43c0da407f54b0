"""template.yaml declares every AWS resource: these tests hold it to the storage, security and
workflow rules of ARCHITECTURE.md, and keep it in step with the code it deploys."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
import sys
from collections.abc import Iterator
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
    function_property,
    functions,
    global_environment,
    load_template,
    mentions,
    module_attributes,
    policy_statements,
    raw_template,
    referenced_resource,
    rendered_sub,
    resources_of_type,
    sam_policy_templates,
    state_machines,
    sub_references,
)

from sellerflow.api.ports import DEPLOYMENT
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
    for name in PII_TABLE_FUNCTIONS:
        assert referenced_resource(function_environment(FUNCTIONS[name])["PII_TABLE"]) == "BuyerPiiTable"
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
        assert variable.startswith(LIBRARY_VARIABLES) or variable in settings_names, variable


# What each function's code reads (its handler, the wiring it calls, the settings behind both).
# Settings all have defaults, so a missing name would silently fall back: this map is the check that
# a function using a resource is told its real name, and is told nothing else.
SPAPI_CALLER = {"SELLERS_TABLE", "DATA_KEY_ID", "LWA_APP_SECRET_NAME", "LWA_ENDPOINT", "SPAPI_ENDPOINT"}
ADS_CALLER = {"SELLERS_TABLE", "DATA_KEY_ID", "LWA_APP_SECRET_NAME", "LWA_ENDPOINT", "ADS_ENDPOINT"}
API_CALLER = {"COGNITO_USER_POOL_ID", "COGNITO_APP_CLIENT_ID"}  # the ID token's issuer and audience
FUNCTION_ENVIRONMENT: dict[str, set[str]] = {
    "SyncOrdersFunction": {"SELLER_DATA_TABLE", "TENANT_DATA_ROLE_ARN", *SPAPI_CALLER},
    "PlanReportsFunction": {"TENANT_DATA_ROLE_ARN", *SPAPI_CALLER, "BILLING_ENABLED", "BILLING_TABLE"},
    "RequestReportFunction": {"TENANT_DATA_ROLE_ARN", *SPAPI_CALLER},
    "CheckReportFunction": {"TENANT_DATA_ROLE_ARN", *SPAPI_CALLER},
    "IngestReportFunction": {"SELLER_DATA_TABLE", "TENANT_DATA_ROLE_ARN", *SPAPI_CALLER},
    "PlanAdsReportsFunction": {"TENANT_DATA_ROLE_ARN", *ADS_CALLER},
    "RequestAdsReportFunction": {"TENANT_DATA_ROLE_ARN", *ADS_CALLER},
    "CheckAdsReportFunction": {"TENANT_DATA_ROLE_ARN", *ADS_CALLER},
    "IngestAdsReportFunction": {"SELLER_DATA_TABLE", "TENANT_DATA_ROLE_ARN", *ADS_CALLER},
    "AdvanceReportsFunction": {
        *("SELLER_DATA_TABLE", "TENANT_DATA_ROLE_ARN", "ADS_ENDPOINT", *SPAPI_CALLER),
        *("BILLING_ENABLED", "BILLING_TABLE"),  # the plan's marketplaces and history depth, as PlanReports
    },
    "SyncFinancesFunction": {"SELLER_DATA_TABLE", "TENANT_DATA_ROLE_ARN", *SPAPI_CALLER},
    "SyncInventoryFunction": {"SELLER_DATA_TABLE", "TENANT_DATA_ROLE_ARN", *SPAPI_CALLER},
    "ComputeRollupsFunction": {
        *("SELLER_DATA_TABLE", "SELLERS_TABLE", "TENANT_DATA_ROLE_ARN"),
        *("RAW_BUCKET", "DATA_KEY_ID"),  # an archived day's orders and transactions (docs/cost.md)
    },
    "ArchiveHistoryFunction": {
        *("SELLER_DATA_TABLE", "SELLERS_TABLE", "TENANT_DATA_ROLE_ARN", "RAW_BUCKET", "DATA_KEY_ID"),
    },
    "ReconcileEconomicsFunction": {
        "SELLER_DATA_TABLE",
        "ECONOMICS_WAIT_S",
        "TENANT_DATA_ROLE_ARN",
        *SPAPI_CALLER,
    },
    "RequestReviewsFunction": {"SELLER_DATA_TABLE", "TENANT_DATA_ROLE_ARN", *SPAPI_CALLER},
    "ListDueSellersFunction": {
        *("SELLERS_TABLE", "SYNC_WINDOW_MINUTES", "FANOUT_BUCKET"),
        *("BILLING_ENABLED", "BILLING_TABLE"),  # Billing=on: read-only sellers are left out
    },
    "StartSellerSyncFunction": {
        "SELLER_SYNC_STATE_MACHINE_ARN",
        "SELLER_SYNC_HOURLY_STATE_MACHINE_ARN",
        "SELLERS_TABLE",  # the seller + window claim and the routing state (SYNC#route)
    },
    "RecordSyncResultFunction": {"SELLERS_TABLE", "AUDIT_TABLE", "TENANT_DATA_ROLE_ARN"},
    "ExportSellerDataFunction": {
        "SELLER_DATA_TABLE",
        "SELLERS_TABLE",
        "AUDIT_TABLE",
        "RAW_BUCKET",
        "DATA_KEY_ID",
        "TENANT_DATA_ROLE_ARN",
        *("PII_TABLE", "PII_KEY_ID"),  # the seller's own buyer messages, decrypted into its export
    },
    "ReceiveBuyerEmailFunction": {
        *("SELLER_DATA_TABLE", "SELLERS_TABLE", "AUDIT_TABLE", "PII_TABLE", "PII_KEY_ID"),
        *("INBOUND_MAIL_BUCKET", "MESSAGES_INBOUND_DOMAIN", "MESSAGES_DRAFTER", "BEDROCK_MODEL_ID"),
        *("PII_DETECTOR", "TENANT_DATA_ROLE_ARN"),
        "RAW_BUCKET",  # the history archive: the order a mail names, past the hot window
    },
    "EraseSellerFunction": {
        *("SELLER_DATA_TABLE", "SELLERS_TABLE", "AUDIT_TABLE", "PII_TABLE", "RAW_BUCKET", "LABEL_BUCKET"),
        *("SELLER_SYNC_STATE_MACHINE_ARN", "SELLER_SCHEDULE_NAME_PREFIX"),
        *("LWA_APP_SECRET_NAME", "LWA_ENDPOINT", "SPAPI_ENDPOINT"),  # unsubscribing (grantless)
        "TENANT_DATA_ROLE_ARN",
    },
    "SweepExpiredFunction": {"SELLER_DATA_TABLE", "SELLERS_TABLE", "AUDIT_TABLE", "PII_TABLE"},
    "ApiFunction": {
        *("SELLER_DATA_TABLE", "AUDIT_TABLE", "RAW_BUCKET", "ADS_ENDPOINT", *SPAPI_CALLER, *API_CALLER),
        *("EXPORT_STATE_MACHINE_ARN", "ERASE_STATE_MACHINE_ARN", "SELLER_SYNC_STATE_MACHINE_ARN"),
        *("SPAPI_APPLICATION_ID", "SPAPI_CONSENT_URL", "SPAPI_APP_DRAFT", "ADS_AUTHORIZE_URL"),
        *("WEB_ORIGIN", "CONNECT_STATE_SECRET_NAME", "SYNC_WINDOW_MINUTES", "NOTIFICATIONS_QUEUE_ARN"),
        "TENANT_DATA_ROLE_ARN",
        *("MESSAGES_INBOUND_DOMAIN", "MESSAGES_DRAFTER", "PII_DETECTOR"),  # the sub-processor list
        *("BILLING_ENABLED", "BILLING_TABLE"),  # Billing=on: seats, accounts, WhatsApp, history depth
    },
    "PiiApiFunction": {
        "SELLER_DATA_TABLE",
        "AUDIT_TABLE",
        "PII_TABLE",
        "PII_KEY_ID",
        "LABEL_BUCKET",
        *("MESSAGES_INBOUND_DOMAIN", "MESSAGES_DRAFTER", "BEDROCK_MODEL_ID", "PII_DETECTOR"),
        "LABEL_MFN_MARKETPLACES",
        "TENANT_DATA_ROLE_ARN",
        *SPAPI_CALLER,
        *API_CALLER,
        *("BILLING_ENABLED", "BILLING_TABLE"),  # Billing=on: labels are a plan feature
    },
    "EvaluateAlertsFunction": {
        "SELLER_DATA_TABLE",
        "SELLERS_TABLE",
        "ALERTS_TOPIC_ARN",
        "TENANT_DATA_ROLE_ARN",
    },
    "SendWhatsAppFunction": {
        *("SELLERS_TABLE", "TWILIO_SECRET_NAME", "TWILIO_CONTENT_SIDS", "TWILIO_WEBHOOK_BASE_URL"),
        "TENANT_DATA_ROLE_ARN",
    },
    "TwilioWebhooksFunction": {"SELLERS_TABLE", "TWILIO_SECRET_NAME"},
    "AccessReviewReminderFunction": {"SELLERS_TABLE", "ALERTS_TOPIC_ARN"},
    "FetchFxRatesFunction": {"SELLERS_TABLE", "ECB_RATES_URL"},
    "BillingFunction": {
        *("SELLERS_TABLE", "AUDIT_TABLE", "TENANT_DATA_ROLE_ARN", "WEB_ORIGIN", "ALERTS_TOPIC_ARN"),
        *("BILLING_ENABLED", "BILLING_TABLE", "STRIPE_SECRET_NAME", "BILLING_PRICE_IDS"),
        *API_CALLER,
    },
    "ApplyNotificationsFunction": {"SELLER_DATA_TABLE", "TENANT_DATA_ROLE_ARN", *SPAPI_CALLER},
    "ReportUsageFunction": {
        *("SELLER_DATA_TABLE", "BILLING_ENABLED", "BILLING_TABLE", "STRIPE_SECRET_NAME", "BILLING_PRICE_IDS"),
    },
}
# The resource (or parameter) each name must point at, wherever it is given.
VARIABLE_TARGETS = {
    "SELLER_DATA_TABLE": "SellerDataTable",
    "SELLERS_TABLE": "SellersTable",
    "AUDIT_TABLE": "AuditTable",
    "PII_TABLE": "BuyerPiiTable",
    "TENANT_DATA_ROLE_ARN": "TenantDataRole",
    "RAW_BUCKET": "RawDocumentsBucket",
    "LABEL_BUCKET": "LabelBucket",
    "INBOUND_MAIL_BUCKET": "InboundMailBucket",
    "MESSAGES_INBOUND_DOMAIN": "MessagesInboundDomain",
    "BEDROCK_MODEL_ID": "BedrockModelId",
    "DATA_KEY_ID": "DataKey",
    "PII_KEY_ID": "PiiKey",
    "LWA_APP_SECRET_NAME": "LwaAppSecret",
    "LWA_ENDPOINT": "LwaEndpoint",
    "SPAPI_ENDPOINT": "SpApiEndpoint",
    "ADS_ENDPOINT": "AdsApiEndpoint",
    "COGNITO_USER_POOL_ID": "UserPool",
    "COGNITO_APP_CLIENT_ID": "UserPoolClient",
    "SELLER_SYNC_STATE_MACHINE_ARN": "SellerSyncStateMachine",
    "EXPORT_STATE_MACHINE_ARN": "ExportStateMachine",
    "ERASE_STATE_MACHINE_ARN": "EraseSellerStateMachine",
    "SYNC_WINDOW_MINUTES": "SyncIntervalMinutes",
    "ALERTS_TOPIC_ARN": "AlertsTopic",
    "TWILIO_SECRET_NAME": "TwilioSecret",
    "STRIPE_SECRET_NAME": "StripeSecret",
    "CONNECT_STATE_SECRET_NAME": "ConnectStateSecret",
    "NOTIFICATIONS_QUEUE_ARN": "NotificationsQueue",
    "ECB_RATES_URL": "EcbRatesUrl",
}
# Only these functions field-encrypt or read buyer PII (the PII key), or delete it (the PII table).
PII_KEY_FUNCTIONS = {"PiiApiFunction", "ReceiveBuyerEmailFunction", "ExportSellerDataFunction"}
PII_TABLE_FUNCTIONS = {
    *("PiiApiFunction", "EraseSellerFunction", "SweepExpiredFunction"),
    *("ReceiveBuyerEmailFunction", "ExportSellerDataFunction"),  # buyer messages (docs/messages.md)
}


# Read by the libraries (Powertools; pydantic's plugin switch), not by `Settings`.
LIBRARY_VARIABLES = ("POWERTOOLS_", "PYDANTIC_")


def test_globals_carry_only_the_settings_every_function_shares() -> None:
    assert set(global_environment()) == {
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_LOG_LEVEL",
        "PYDANTIC_DISABLE_PLUGINS",  # read by pydantic at a cold start's first model build
    }


def test_every_function_is_told_exactly_the_names_its_code_reads() -> None:
    assert set(FUNCTIONS) == set(FUNCTION_ENVIRONMENT)
    for name, function in FUNCTIONS.items():
        declared = {v for v in function_environment(function) if not v.startswith(LIBRARY_VARIABLES)}
        assert declared == FUNCTION_ENVIRONMENT[name], name


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_environment_variable_names_the_right_resource(function: str) -> None:
    for variable, value in function_environment(FUNCTIONS[function]).items():
        if variable in VARIABLE_TARGETS:
            assert referenced_resource(value) == VARIABLE_TARGETS[variable], f"{function}: {variable}"


def test_only_the_buyer_pii_functions_are_told_the_pii_key_and_table() -> None:
    assert {n for n, f in FUNCTIONS.items() if "PII_KEY_ID" in function_environment(f)} == PII_KEY_FUNCTIONS
    assert {n for n, f in FUNCTIONS.items() if "PII_TABLE" in function_environment(f)} == PII_TABLE_FUNCTIONS


def _kms_statements_on(key: str) -> set[str]:
    """The roles (functions, state machines, roles, managed policies) with a kms statement on `key`."""
    return {
        owner
        for owner, statement in _all_role_statements()
        if any(a.startswith("kms:") for a in as_list(statement["Action"]))
        and any(mentions(r, key) for r in as_list(statement["Resource"]))
    }


def _roles_of(function: str) -> set[str]:
    """The function itself and the managed policies it attaches."""
    policies = as_list(FUNCTIONS[function]["Properties"].get("Policies", []))
    return {function, *(referenced_resource(p) for p in policies if referenced_resource(p))}


def test_only_the_buyer_pii_api_function_may_use_the_pii_key() -> None:
    users = _kms_statements_on("PiiKey")
    assert users == PII_KEY_FUNCTIONS
    for function in FUNCTIONS:
        if function not in PII_KEY_FUNCTIONS:
            assert not _roles_of(function) & users, function


def test_the_general_api_function_cannot_decrypt_or_read_buyer_pii() -> None:
    for owner in _roles_of("ApiFunction"):
        for statement in policy_statements(_policies_of(owner)):
            for resource in as_list(statement["Resource"]):
                assert not mentions(resource, "PiiKey"), statement.get("Sid")
                assert not mentions(resource, "BuyerPiiTable"), statement.get("Sid")


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
    assert password["PasswordHistorySize"] == 24, "no reuse of recent passwords (DPP 1.4)"


def test_threat_protection_is_enforced_in_prod_with_blocking_risk_actions() -> None:
    template = load_template()
    props = _props("UserPool")
    # prod is always ENFORCED; other stages follow the ThreatProtection parameter (default OFF).
    assert props["UserPoolAddOns"]["AdvancedSecurityMode"] == {
        "Fn::If": ["IsProd", "ENFORCED", {"Ref": "ThreatProtection"}]
    }
    assert props["UserPoolTier"] == {"Fn::If": ["HasThreatProtection", "PLUS", "ESSENTIALS"]}
    assert {"Condition": "IsProd"} in template["Conditions"]["HasThreatProtection"]["Fn::Or"]
    risk = template["Resources"]["UserPoolRiskConfiguration"]
    assert risk["Condition"] == "HasThreatProtection"
    compromised = risk["Properties"]["CompromisedCredentialsRiskConfiguration"]
    assert compromised["Actions"]["EventAction"] == "BLOCK"
    assert set(compromised["EventFilter"]) == {"SIGN_IN", "PASSWORD_CHANGE", "SIGN_UP"}
    takeover = risk["Properties"]["AccountTakeoverRiskConfiguration"]["Actions"]
    assert takeover["HighAction"]["EventAction"] == "BLOCK"
    assert takeover["MediumAction"]["EventAction"] == "MFA_REQUIRED"


def test_security_alarms_publish_to_the_encrypted_security_topic() -> None:
    template = load_template()
    resources = template["Resources"]
    assert referenced_resource(resources["SecurityTopic"]["Properties"]["KmsMasterKeyId"]) == "SecurityKey"
    key_statements = resources["SecurityKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert any(s.get("Principal", {}).get("Service") == "cloudwatch.amazonaws.com" for s in key_statements)
    signals = {"AuditChainBroken", "BreakGlassGranted", "AuthorizationFailures", "PiiReads"}
    alarms = {
        name: r["Properties"]
        for name, r in resources.items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        and mentions(r["Properties"]["AlarmActions"], "SecurityTopic")
    }
    assert set(alarms) == {f"{signal}Alarm" for signal in signals}
    for name, alarm in alarms.items():
        assert alarm["Namespace"] == "Sellerflow", name
        assert alarm["MetricName"] in signals, name
        assert [referenced_resource(a) for a in alarm["AlarmActions"]] == ["SecurityTopic"], name
        assert alarm["TreatMissingData"] == "notBreaching", name
    # A single broken chain or break-glass grant is worth a page.
    assert alarms["AuditChainBrokenAlarm"]["Threshold"] == 1
    assert alarms["BreakGlassGrantedAlarm"]["Threshold"] == 1


def test_app_client_is_public_without_admin_flows_and_revocable() -> None:
    props = _props("UserPoolClient")
    assert props["GenerateSecret"] is False
    # The dashboard signs in with SRP (web/js/srp.js), so the password never leaves the browser; the
    # plain-password flow and every admin flow stay closed to the public client.
    assert set(props["ExplicitAuthFlows"]) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert props["PreventUserExistenceErrors"] == "ENABLED"
    assert props["EnableTokenRevocation"] is True


# The only routes outside Cognito: Twilio's webhooks, which verify Twilio's request signature instead
# (sellerflow.api.routes_twilio; tests/unit/api/test_api_access_review.py proves 403 without it).
PUBLIC_ROUTES = {
    ("TwilioWebhooksFunction", "POST", "/webhooks/twilio/status/{sellerId}/{alertId}"),
    ("TwilioWebhooksFunction", "POST", "/webhooks/twilio/inbound"),
    # Stripe's webhook (Billing=on): checked with stripe.Webhook.construct_event instead.
    ("BillingFunction", "POST", "/webhooks/stripe"),
}


def test_every_api_route_is_behind_the_cognito_authorizer_except_the_named_public_ones() -> None:
    auth = _props("SellerflowApi")["Auth"]
    assert auth["DefaultAuthorizer"] == "CognitoAuthorizer"
    pool = auth["Authorizers"]["CognitoAuthorizer"]["UserPoolArn"]
    assert referenced_resource(pool) == "UserPool"
    public = set()
    for name, function in FUNCTIONS.items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            opted_out = event["Properties"].get("Auth", {})
            if opted_out:
                assert opted_out == {"Authorizer": "NONE"}, "a route opts out entirely or not at all"
                public.add((name, event["Properties"]["Method"].upper(), event["Properties"]["Path"]))
    assert public == PUBLIC_ROUTES


# --- workflows ---------------------------------------------------------------------------------


@pytest.mark.parametrize("machine", sorted(STATE_MACHINES))
def test_state_machine_definition_exists_and_every_placeholder_is_substituted(machine: str) -> None:
    props = _props(machine)
    definition = ROOT / props["DefinitionUri"]
    assert definition.is_file(), definition
    json.loads(definition.read_text())
    assert asl_placeholders(definition) == set(props["DefinitionSubstitutions"])


# The fanout's Distributed Map is also told its bucket, its concurrency and its batch size
# (tests/unit/test_fanout_machine.py).
NON_FUNCTION_SUBSTITUTIONS = {"FanoutBucketName", "FanoutMaxConcurrency", "FanoutBatchSize"}


@pytest.mark.parametrize("machine", sorted(STATE_MACHINES))
def test_state_machine_invokes_only_the_functions_it_names(machine: str) -> None:
    props = _props(machine)
    substituted = set()
    for placeholder, value in props["DefinitionSubstitutions"].items():
        if placeholder in NON_FUNCTION_SUBSTITUTIONS:
            continue
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


# What Lambda reports when an invocation never finished: its service failed, its runtime exited
# (crash, out of memory) or it timed out. Every task of the seller sync is idempotent, so it retries them.
LAMBDA_TRANSIENT = {
    "Lambda.ServiceException",
    "Lambda.TooManyRequestsException",
    "Lambda.SdkClientException",
    "Lambda.Unknown",
    "Runtime.ExitError",
    "Sandbox.Timedout",
}


def _tasks(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        if state.get("Type") == "Task":
            yield name, state
        for inner in (state.get("Iterator"), state.get("ItemProcessor"), *state.get("Branches", [])):
            if inner:
                yield from _tasks(inner["States"])


@pytest.mark.parametrize("machine", ["seller-sync", "seller-sync-hourly"])
def test_every_seller_sync_task_retries_a_lambda_invocation_that_never_finished(machine: str) -> None:
    definition = json.loads((ROOT / "statemachines" / f"{machine}.asl.json").read_text())
    tasks = dict(_tasks(definition["States"]))
    assert len(tasks) > 10
    for name, task in tasks.items():
        retried = {error for retry in task.get("Retry", []) for error in retry["ErrorEquals"]}
        assert retried >= LAMBDA_TRANSIENT, (name, LAMBDA_TRANSIENT - retried)


@pytest.mark.parametrize("machine", sorted(STATE_MACHINES))
def test_state_machine_logs_errors_without_execution_data(machine: str) -> None:
    props = _props(machine)
    # the hourly seller-sync is Express (sellerflow.sync.routing); its log group is its only history
    assert props["Type"] == ("EXPRESS" if machine == "SellerSyncHourlyStateMachine" else "STANDARD")
    assert props["Tracing"] == {"Enabled": True}
    logging = props["Logging"]
    assert logging["Level"] == "ERROR"
    assert logging["IncludeExecutionData"] is False
    (destination,) = logging["Destinations"]
    group = referenced_resource(destination["CloudWatchLogsLogGroup"]["LogGroupArn"])
    assert _resource(group)["Type"] == "AWS::Logs::LogGroup"


def _schedule_role_statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    """A schedule role's statements besides the one every schedule role holds: sending what the
    scheduler could not deliver to the async-failures dead-letter queue (and nothing else)."""
    statements = list(policy_statements(role["Properties"]["Policies"]))
    dead_letters = [s for s in statements if as_list(s["Action"]) == ["sqs:SendMessage"]]
    assert [referenced_resource(s["Resource"]) for s in dead_letters] == ["AsyncFailuresQueue"]
    return [s for s in statements if s not in dead_letters]


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
    statements = _schedule_role_statements(role)
    assert [as_list(s["Action"]) for s in statements] == [["states:StartExecution"]]
    assert [referenced_resource(s["Resource"]) for s in statements] == ["FanoutStateMachine"]


def test_every_schedule_is_the_fanout_the_daily_expiry_sweeper_the_access_review_reminder_or_usage() -> None:
    assert set(resources_of_type("AWS::Scheduler::Schedule")) == {
        "FanoutSchedule",
        "SweepExpiredSchedule",
        "AccessReviewReminderSchedule",
        "ReportUsageSchedule",  # Billing=on only
        "FetchFxRatesSchedule",
        "HistoryArchiveSchedule",  # daily: every active seller's history past the hot window to S3
    }


def test_the_usage_report_runs_monthly_with_billing_on_only_and_its_role_invokes_only_it() -> None:
    props = _props("ReportUsageSchedule")
    assert props["ScheduleExpression"] == "cron(0 3 1 * ? *)"  # the 1st, for the month that ended
    assert referenced_resource(props["Target"]["Arn"]) == "ReportUsageFunction"
    role = _resource(referenced_resource(props["Target"]["RoleArn"]))
    statements = _schedule_role_statements(role)
    assert [as_list(s["Action"]) for s in statements] == [["lambda:InvokeFunction"]]
    assert [referenced_resource(s["Resource"]) for s in statements] == ["ReportUsageFunction"]
    for name in ("ReportUsageSchedule", "ReportUsageScheduleRole", "ReportUsageFunction"):
        assert _resource(name)["Condition"] == "BillingOn", name


def test_the_reference_rates_fetch_runs_on_weekdays_after_the_ecb_publishes_and_writes_only_its_partition() -> (
    None
):
    props = _props("FetchFxRatesSchedule")
    assert props["ScheduleExpression"] == "cron(30 16,18 ? * MON-FRI *)"
    assert props["ScheduleExpressionTimezone"] == "Europe/Berlin"  # the ECB publishes around 16:00 CET
    assert referenced_resource(props["Target"]["Arn"]) == "FetchFxRatesFunction"
    role = _resource(referenced_resource(props["Target"]["RoleArn"]))
    statements = _schedule_role_statements(role)
    assert [as_list(s["Action"]) for s in statements] == [["lambda:InvokeFunction"]]
    assert [referenced_resource(s["Resource"]) for s in statements] == ["FetchFxRatesFunction"]
    (statement,) = _resource("FetchFxRatesFunction")["Properties"]["Policies"][0]["Statement"]
    assert statement["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["FX#ECB"]}}
    assert "dynamodb:Scan" not in statement["Action"]


def test_access_review_reminder_schedule_invokes_only_its_function_daily() -> None:
    props = _props("AccessReviewReminderSchedule")
    assert props["ScheduleExpression"] == "rate(1 day)"
    assert referenced_resource(props["Target"]["Arn"]) == "AccessReviewReminderFunction"
    role = _resource(referenced_resource(props["Target"]["RoleArn"]))
    statements = _schedule_role_statements(role)
    assert [as_list(s["Action"]) for s in statements] == [["lambda:InvokeFunction"]]
    assert [referenced_resource(s["Resource"]) for s in statements] == ["AccessReviewReminderFunction"]


def test_sweeper_schedule_invokes_only_the_sweeper_daily_with_a_role_that_can_do_nothing_else() -> None:
    props = _props("SweepExpiredSchedule")
    assert props["ScheduleExpression"] == "rate(1 day)"
    target = props["Target"]
    assert referenced_resource(target["Arn"]) == "SweepExpiredFunction"
    assert "RetryPolicy" in target
    role = _resource(referenced_resource(target["RoleArn"]))
    principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "scheduler.amazonaws.com"}
    statements = _schedule_role_statements(role)
    assert [as_list(s["Action"]) for s in statements] == [["lambda:InvokeFunction"]]
    assert [referenced_resource(s["Resource"]) for s in statements] == ["SweepExpiredFunction"]


def test_start_seller_sync_may_start_only_the_two_seller_sync_machines() -> None:
    props = _props("StartSellerSyncFunction")
    env = props["Environment"]["Variables"]
    assert referenced_resource(env["SELLER_SYNC_STATE_MACHINE_ARN"]) == "SellerSyncStateMachine"
    hourly_name = _props("SellerSyncHourlyStateMachine")["Name"]["Fn::Sub"]
    assert env["SELLER_SYNC_HOURLY_STATE_MACHINE_ARN"]["Fn::Sub"].endswith(f":stateMachine:{hourly_name}")
    starts = [
        s for s in policy_statements(props["Policies"]) if "states:StartExecution" in as_list(s["Action"])
    ]
    assert len(starts) == 1
    resources = as_list(starts[0]["Resource"])
    assert referenced_resource(resources[0]) == "SellerSyncStateMachine"
    assert resources[1] == env["SELLER_SYNC_HOURLY_STATE_MACHINE_ARN"]


def test_the_hourly_seller_sync_is_express_logged_and_runs_no_wait() -> None:
    props = _props("SellerSyncHourlyStateMachine")
    assert props["Type"] == "EXPRESS"
    assert props["Logging"]["Level"] in ("ERROR", "ALL")
    assert props["Logging"]["IncludeExecutionData"] is False
    destination = props["Logging"]["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]
    assert referenced_resource(destination) == "SellerSyncHourlyStateMachineLogGroup"
    definition = json.loads((TEMPLATE_PATH.parent / props["DefinitionUri"]).read_text())
    assert definition["TimeoutSeconds"] < 300  # Express runs end at 5 minutes
    types = {state["Type"] for state in definition["States"].values()}
    assert "Wait" not in types
    assert "Map" not in types


def test_the_hourly_seller_sync_carries_the_reports_once_a_run_between_inventory_and_the_rollups() -> None:
    """Reports on Express (sellerflow.sync.carry): one AdvanceReports task, no Wait, whose Lambda ends
    well within the run, and whose backfill verdict hands the window to Standard."""
    from sellerflow.sync.carry import INGEST_RESERVE_S, CarryPolicy

    props = _props("SellerSyncHourlyStateMachine")
    definition = json.loads((TEMPLATE_PATH.parent / props["DefinitionUri"]).read_text())
    states = definition["States"]
    advance = states["AdvanceReports"]
    assert advance["Parameters"]["FunctionName"] == "${AdvanceReportsFunctionArn}"
    assert referenced_resource(props["DefinitionSubstitutions"]["AdvanceReportsFunctionArn"]) == (
        "AdvanceReportsFunction"
    )
    assert states["SyncInventory"]["Next"] == "AdvanceReports"
    assert advance["Next"] == "ReportsOnStandard"
    assert states["ReportsOnStandard"]["Default"] == "ComputeRollups"
    (backfill,) = states["ReportsOnStandard"]["Choices"]
    assert states[backfill["Next"]] == {
        "Type": "Pass", "Result": "reports_backfill", "ResultPath": "$.hand_over_reason",
        "Next": "HandOverToStandard",
    }  # fmt: skip
    timeout = _props("AdvanceReportsFunction")["Timeout"]
    assert CarryPolicy().ingest_budget_s + INGEST_RESERVE_S <= timeout < definition["TimeoutSeconds"]
    assert {"SpApiAuthorizationRevoked"} in [set(c["ErrorEquals"]) for c in advance["Catch"]]


# --- least privilege ---------------------------------------------------------------------------


ROLE_OWNING_TYPES = (
    "AWS::Serverless::Function",
    "AWS::Serverless::StateMachine",
    "AWS::IAM::Role",
    "AWS::IAM::ManagedPolicy",
)


def _policies_of(name: str) -> Any:
    properties = _props(name)
    return properties.get("Policies") or properties.get("PolicyDocument")


def _effective_statements(function: str) -> list[dict[str, Any]]:
    """The function's inline statements and those of the managed policies it attaches."""
    return [s for owner in sorted(_roles_of(function)) for s in policy_statements(_policies_of(owner))]


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
    for statement in _effective_statements("ApiFunction"):
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
    audit_actions = {
        action
        for statement in _effective_statements("ApiFunction")
        if any(mentions(r, "AuditTable") for r in as_list(statement["Resource"]))
        for action in as_list(statement["Action"])
    }
    assert audit_actions == {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"}


# --- functions and their code ------------------------------------------------------------------


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_function_code_folder_defines_its_handler(function: str) -> None:
    module_name, attribute = function_property(FUNCTIONS[function], "Handler").rsplit(".", 1)
    module = code_folder(FUNCTIONS[function]) / f"{module_name}.py"
    assert module.is_file(), f"{function}: {module.relative_to(ROOT)} does not exist yet"
    assert attribute in module_attributes(module), f"{module.relative_to(ROOT)} defines no {attribute}"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_function_logs_to_its_own_log_group_with_retention(function: str) -> None:
    props = FUNCTIONS[function]["Properties"]
    group_name = referenced_resource(props["LoggingConfig"]["LogGroup"])
    group = _props(group_name)
    function_name = props["FunctionName"]["Fn::Sub"]
    assert rendered_sub(group["LogGroupName"]) == f"/aws/lambda/{function_name}"
    assert referenced_resource(group["RetentionInDays"]) == "LogRetentionDays"
    assert group_name == function.removesuffix("Function") + "LogGroup"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_function_has_a_sample_event(function: str) -> None:
    folder = Path(FUNCTIONS[function]["Properties"]["CodeUri"]).name
    samples = [EVENTS / f"{folder}.json", *EVENTS.glob(f"{folder}_*.json")]
    samples = [p for p in samples if p.is_file()]
    assert samples, f"no events/{folder}.json or events/{folder}_*.json"
    for sample in samples:
        assert isinstance(json.loads(sample.read_text()), dict)


# Each API function and the module (under its CodeUri) whose Chalice app serves its routes.
API_FUNCTIONS = {
    "ApiFunction": "sellerflow.api.app",
    "PiiApiFunction": "sellerflow.api.pii_app",
    "TwilioWebhooksFunction": "sellerflow.api.webhook_app",
    "BillingFunction": "sellerflow.api.billing_app",
}


def _api_routes_of(function: str) -> set[tuple[str, str]]:
    events = FUNCTIONS[function]["Properties"].get("Events", {}).values()
    return {
        (e["Properties"]["Method"].upper(), e["Properties"]["Path"])
        for e in events
        if e["Type"] == "Api" and referenced_resource(e["Properties"]["RestApiId"]) == "SellerflowApi"
    }


def _api_routes_in_template() -> set[tuple[str, str]]:
    assert {name for name in FUNCTIONS if _api_routes_of(name)} == set(API_FUNCTIONS)
    return {route for function in API_FUNCTIONS for route in _api_routes_of(function)}


# Buyer messages (issue 15): decrypted bodies, drafts, approve and send; the PII function's alone.
MESSAGE_ROUTES = (
    ("GET", "/sellers/{sellerId}/messages/threads"),
    ("GET", "/sellers/{sellerId}/messages/threads/{threadId}"),
    ("POST", "/sellers/{sellerId}/messages/threads/{threadId}/draft"),
    ("PUT", "/sellers/{sellerId}/messages/threads/{threadId}/draft"),
    ("POST", "/sellers/{sellerId}/messages/threads/{threadId}/send"),
    ("POST", "/sellers/{sellerId}/messages/threads/{threadId}/close"),
    ("GET", "/sellers/{sellerId}/messages/settings"),
    ("PUT", "/sellers/{sellerId}/messages/settings"),
)


def test_buyer_pii_routes_are_served_by_the_pii_function_alone() -> None:
    assert _api_routes_of("PiiApiFunction") == {
        ("GET", "/sellers/{sellerId}/orders/{orderId}/shipping-address"),
        # shipping labels: rates read the recipient; the label prints it (issue 16)
        ("GET", "/sellers/{sellerId}/labels/queue"),
        ("GET", "/sellers/{sellerId}/labels/profiles"),
        ("PUT", "/sellers/{sellerId}/labels/profiles/{sku}"),
        ("PUT", "/sellers/{sellerId}/labels/settings"),
        ("POST", "/sellers/{sellerId}/orders/{orderId}/label/rates"),
        ("POST", "/sellers/{sellerId}/orders/{orderId}/label"),
        ("GET", "/sellers/{sellerId}/orders/{orderId}/label"),
        ("DELETE", "/sellers/{sellerId}/orders/{orderId}/label"),
        ("GET", "/sellers/{sellerId}/orders/{orderId}/label/tracking"),
        *MESSAGE_ROUTES,
    }
    assert not _api_routes_of("PiiApiFunction") & _api_routes_of("ApiFunction")


def test_api_routes_in_the_template_are_the_agreed_ones() -> None:
    assert _api_routes_in_template() == {
        ("GET", "/sellers"),
        ("GET", "/sellers/{sellerId}/orders"),
        ("GET", "/sellers/{sellerId}/orders/{orderId}"),
        ("GET", "/sellers/{sellerId}/dashboard"),
        ("GET", "/sellers/{sellerId}/settings/currency"),
        ("PUT", "/sellers/{sellerId}/settings/currency"),
        ("GET", "/sellers/{sellerId}/analytics/daily"),
        ("GET", "/sellers/{sellerId}/analytics/skus"),
        ("GET", "/sellers/{sellerId}/inventory"),
        ("GET", "/sellers/{sellerId}/inventory/settings"),
        ("PUT", "/sellers/{sellerId}/inventory/settings"),
        ("GET", "/sellers/{sellerId}/settlements"),
        ("GET", "/sellers/{sellerId}/settlements/{settlementId}"),
        ("GET", "/sellers/{sellerId}/transactions"),
        ("GET", "/sellers/{sellerId}/cogs"),
        ("PUT", "/sellers/{sellerId}/cogs/{sku}"),
        ("POST", "/sellers/{sellerId}/cogs"),
        # Review requests (Solicitations API): the setting and the counts (owners).
        ("GET", "/sellers/{sellerId}/review-requests"),
        ("PUT", "/sellers/{sellerId}/review-requests/settings"),
        # The seller's data rights (owners only): export, erasure, disconnection.
        ("POST", "/sellers/{sellerId}/exports"),
        ("GET", "/sellers/{sellerId}/exports/{exportId}"),
        ("DELETE", "/sellers/{sellerId}"),
        ("POST", "/sellers/{sellerId}/disconnect"),
        # Data protection: buyer PII on demand (members), the audit trail (owners only).
        ("GET", "/sellers/{sellerId}/orders/{orderId}/shipping-address"),
        ("GET", "/sellers/{sellerId}/labels/queue"),
        ("GET", "/sellers/{sellerId}/labels/profiles"),
        ("PUT", "/sellers/{sellerId}/labels/profiles/{sku}"),
        ("PUT", "/sellers/{sellerId}/labels/settings"),
        ("POST", "/sellers/{sellerId}/orders/{orderId}/label/rates"),
        ("POST", "/sellers/{sellerId}/orders/{orderId}/label"),
        ("GET", "/sellers/{sellerId}/orders/{orderId}/label"),
        ("DELETE", "/sellers/{sellerId}/orders/{orderId}/label"),
        ("GET", "/sellers/{sellerId}/orders/{orderId}/label/tracking"),
        ("GET", "/sellers/{sellerId}/audit"),
        ("GET", "/sellers/{sellerId}/subprocessors"),
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
        # Security incidents (docs/incident-response.md): the 24-hour Amazon notification record.
        ("POST", "/admin/incidents"),
        ("PUT", "/admin/incidents/{incidentId}"),
        ("GET", "/admin/incidents"),
        # Advertising (Amazon Ads): campaigns and the daily series (ANALYTICS_READ)
        ("GET", "/sellers/{sellerId}/ads/campaigns"),
        ("GET", "/sellers/{sellerId}/ads/daily"),
        # The quarterly access review (owners: MEMBERS_MANAGE).
        ("GET", "/sellers/{sellerId}/access-review"),
        ("POST", "/sellers/{sellerId}/access-review"),
        # Twilio's webhooks: public, signature-checked (PUBLIC_ROUTES).
        ("POST", "/webhooks/twilio/status/{sellerId}/{alertId}"),
        ("POST", "/webhooks/twilio/inbound"),
        # Billing (Billing=on): plans, the seller's plan, Checkout and portal sessions, admins' overview,
        # and Stripe's webhook (public, signature-checked).
        ("GET", "/billing/plans"),
        ("GET", "/sellers/{sellerId}/billing"),
        ("POST", "/sellers/{sellerId}/billing/checkout"),
        ("POST", "/sellers/{sellerId}/billing/portal"),
        ("GET", "/admin/billing"),
        ("POST", "/webhooks/stripe"),
        *MESSAGE_ROUTES,
    }


def test_every_api_route_has_a_sample_event_and_every_sample_a_route() -> None:
    samples = {}
    for path in EVENTS.glob("api_*.json"):
        event = json.loads(path.read_text())
        assert event["requestContext"]["resourcePath"] == event["resource"], path.name
        public = any(event["resource"] == route for _, _, route in PUBLIC_ROUTES)
        assert public != ("claims" in event["requestContext"].get("authorizer", {})), path.name
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


def _load_chalice_app(function: str) -> Any:
    path = code_folder(FUNCTIONS[function]) / "app.py"
    assert path.is_file(), f"{path.relative_to(ROOT)} does not exist yet"
    spec = importlib.util.spec_from_file_location(f"sellerflow_handler_under_test_{function}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    # The entry module installs the deployment's adapters (`use_deployment_adapters`): put the
    # process-wide ports back afterwards, or later tests' fake apps fill their gaps with real ones
    installed = dataclasses.replace(DEPLOYMENT)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
        for field in dataclasses.fields(DEPLOYMENT):
            setattr(DEPLOYMENT, field.name, getattr(installed, field.name))
    return module.app


@pytest.mark.parametrize("function", sorted(API_FUNCTIONS))
def test_api_events_in_the_template_match_the_chalice_app_routes(function: str) -> None:
    handler = (code_folder(FUNCTIONS[function]) / "app.py").read_text()
    assert f"from {API_FUNCTIONS[function]} import app" in handler, "each function serves its own app"
    app = _load_chalice_app(function)
    app_routes = {(method.upper(), path) for path, methods in app.routes.items() for method in methods}
    assert app_routes == _api_routes_of(function)


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


# --- the template reads at a glance ------------------------------------------------------------

SECTIONS = [
    "Schedules",
    "Workflows",
    "Functions",
    "Push",
    "Messages",
    "Alerts",
    "Stores",
    "API",
    "Security",
    "Web",
    "Operations",
]  # as data flows
# The security block keeps the security topic, its key and the alarms that publish to it together.
SECURITY_RESOURCES = {"SecurityKey", "SecurityTopic", "SecurityTopicPolicy"}
# The operations block keeps the operator topic, its key and the failure queue with the alarms.
OPERATIONS_RESOURCES = {"OperationsKey", "OperationsTopic", "OperationsTopicPolicy", "AsyncFailuresQueue"}
# The push block keeps its queues, key and function together (Amazon's notifications end to end).
PUSH_RESOURCES = {
    "NotificationsKey",
    "NotificationsKeyAlias",
    "NotificationsQueue",
    "NotificationsDeadLetterQueue",
    "NotificationsQueuePolicy",
    "ApplyNotificationsFunction",
}
MESSAGES_RESOURCES = {
    *("InboundMailBucket", "InboundMailBucketPolicy", "InboundReceiptRuleSet", "InboundReceiptRule"),
    *("ReceiveBuyerEmailSesPermission", "ReceiveBuyerEmailFunction"),
}
SECTION_OF_TYPE = {
    "AWS::Scheduler::Schedule": "Schedules",
    "AWS::Serverless::StateMachine": "Workflows",
    "AWS::Serverless::LayerVersion": "Functions",
    "AWS::SNS::Topic": "Alerts",
    "AWS::SQS::Queue": "Alerts",
    "AWS::DynamoDB::Table": "Stores",
    "AWS::Serverless::Api": "API",
    "AWS::Cognito::UserPool": "API",
    "AWS::CloudFront::Distribution": "Web",
}


def _sections() -> dict[str, str]:
    """Each top-level entry of Resources, and the `# --- Section ---` header it stands under."""
    found, section, in_resources = {}, "", False
    for line in TEMPLATE_PATH.read_text().splitlines():
        if line and not line.startswith(" "):
            in_resources = line == "Resources:"
        elif in_resources and (header := re.match(r"^  # --- (\w+)", line)):
            section = header.group(1)
        elif in_resources and (entry := re.match(r"^  ([A-Za-z0-9:]+):$", line)):
            found[entry.group(1)] = section
    return found


def test_sections_follow_the_data_flow_with_one_line_headers() -> None:
    headers = re.findall(r"^  # --- (\w+).* ---$", TEMPLATE_PATH.read_text(), re.MULTILINE)
    assert headers == SECTIONS
    sections = _sections()
    assert set(sections.values()) == set(SECTIONS), "every resource stands under a header"
    for name, resource in load_template()["Resources"].items():
        expected = SECTION_OF_TYPE.get(resource["Type"])
        if resource["Type"] == "AWS::Serverless::Function":
            expected = "API" if name in API_FUNCTIONS else "Functions"
        if name in PUSH_RESOURCES:
            expected = "Push"
        if name in MESSAGES_RESOURCES:
            expected = "Messages"
        if name in SECURITY_RESOURCES:
            expected = "Security"
        if name in OPERATIONS_RESOURCES:
            expected = "Operations"
        if expected:
            assert sections[name] == expected, name
    assert sections["Fn::ForEach::SecurityAlarms"] == "Security"


def test_functions_share_handler_runtime_and_layer_through_globals() -> None:
    shared = load_template()["Globals"]["Function"]
    assert shared["Handler"] == "app.lambda_handler"
    assert referenced_resource(shared["Layers"][0]) == "SellerflowLayer"
    for name, function in FUNCTIONS.items():
        props = function["Properties"]
        assert props.get("Handler", "app.app" if name in API_FUNCTIONS else None) == (
            "app.app" if name in API_FUNCTIONS else None
        ), name  # only the Chalice apps name another handler
        assert not {"Runtime", "Architectures", "Tracing"} & set(props), name
        # A function adds a layer only for Stripe (SAM appends it to the Globals' layers).
        assert [referenced_resource(layer) for layer in props.get("Layers", [])] in ([], ["StripeLayer"]), (
            name
        )


def test_only_the_functions_that_read_the_stripe_secret_carry_the_stripe_layer() -> None:
    # Only these roles may read the Stripe key, so no other function can build the Stripe client:
    # the rest leave the SDK out of their layers.
    readers = {
        name
        for name, function in FUNCTIONS.items()
        if "StripeSecret" in json.dumps(function["Properties"].get("Policies", []))
    }
    carriers = {
        name
        for name, function in FUNCTIONS.items()
        if "StripeLayer" in json.dumps(function["Properties"].get("Layers", []))
    }
    assert readers == carriers == {"BillingFunction", "ReportUsageFunction"}
    layer = load_template()["Resources"]["StripeLayer"]
    assert layer["Condition"] == "BillingOn"
    assert all(FUNCTIONS[name]["Condition"] == "BillingOn" for name in carriers)


def test_a_statement_shared_by_several_roles_is_a_managed_policy() -> None:
    # The same grant written inline into three or more roles belongs in one AWS::IAM::ManagedPolicy.
    owners: dict[str, set[str]] = {}
    for name, resource in load_template()["Resources"].items():
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::StateMachine"):
            for statement in policy_statements(resource["Properties"].get("Policies")):
                grant = {k: statement.get(k) for k in ("Effect", "Resource", "Condition")}
                grant["Action"] = sorted(as_list(statement["Action"]))
                owners.setdefault(json.dumps(grant, sort_keys=True, default=str), set()).add(name)
    repeated = {grant: sorted(names) for grant, names in owners.items() if len(names) >= 3}
    assert repeated == {}
    assert len(resources_of_type("AWS::IAM::ManagedPolicy")) >= 5


def test_every_function_log_group_comes_from_one_declaration() -> None:
    raw = raw_template()["Resources"]
    _identifier, collection, outputs = raw["Fn::ForEach::FunctionLogGroups"]
    assert {f"{item}Function" for item in collection} == set(FUNCTIONS)
    ((key, group),) = outputs.items()
    assert key == "${Function}LogGroup"
    assert group["Type"] == "AWS::Logs::LogGroup"
    written_out = [
        n for n, r in raw.items() if isinstance(r, dict) and r.get("Type") == "AWS::Logs::LogGroup"
    ]
    assert not [n for n in written_out if n.removesuffix("LogGroup") + "Function" in FUNCTIONS]
    assert "AWS::LanguageExtensions" in as_list(load_template()["Transform"])


# --- CloudFront: security headers on every behaviour (issue 12 item 3) -----------------------------
def _behaviours() -> list[dict[str, Any]]:
    config = _props("WebDistribution")["DistributionConfig"]
    return [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]


def _headers_of_policy(name: str) -> dict[str, str]:
    """The headers a response-headers policy sets, by their HTTP names (values with whitespace folded)."""
    config = _props(name)["ResponseHeadersPolicyConfig"]
    security = config.get("SecurityHeadersConfig", {})
    headers: dict[str, str] = {}
    if "ContentTypeOptions" in security:
        headers["X-Content-Type-Options"] = "nosniff"
    if "FrameOptions" in security:
        headers["X-Frame-Options"] = security["FrameOptions"]["FrameOption"]
    if "ReferrerPolicy" in security:
        headers["Referrer-Policy"] = security["ReferrerPolicy"]["ReferrerPolicy"]
    if "ContentSecurityPolicy" in security:
        raw = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
        headers["Content-Security-Policy"] = raw["Fn::Sub"] if isinstance(raw, dict) else raw
    hsts = security.get("StrictTransportSecurity")
    if hsts:
        headers["Strict-Transport-Security"] = (
            f"max-age={hsts['AccessControlMaxAgeSec']}"
            + ("; includeSubDomains" if hsts.get("IncludeSubdomains") else "")
            + ("; preload" if hsts.get("Preload") else "")
        )
    for item in config.get("CustomHeadersConfig", {}).get("Items", []):
        headers[item["Header"]] = item["Value"]
    return {name: " ".join(value.split()) for name, value in headers.items()}


def test_every_cloudfront_behaviour_has_a_response_headers_policy_of_this_template() -> None:
    for behaviour in _behaviours():
        policy = behaviour.get("ResponseHeadersPolicyId")
        assert isinstance(policy, dict), behaviour.get("PathPattern", "default")
        assert "Ref" in policy, behaviour.get("PathPattern", "default")
        assert _resource(policy["Ref"])["Type"] == "AWS::CloudFront::ResponseHeadersPolicy"


def test_api_behaviours_send_the_apis_own_security_headers() -> None:
    from sellerflow.api.errors import SECURITY_HEADERS

    api = [b for b in _behaviours() if b["TargetOriginId"] == "api"]
    assert api
    for behaviour in api:
        assert _headers_of_policy(behaviour["ResponseHeadersPolicyId"]["Ref"]) == SECURITY_HEADERS


def test_the_dashboard_gets_preload_hsts_and_the_same_permissions_policy() -> None:
    from sellerflow.api.errors import HSTS, PERMISSIONS_POLICY

    web = _headers_of_policy("WebSecurityHeaders")
    assert web["Strict-Transport-Security"] == HSTS
    assert web["Permissions-Policy"] == PERMISSIONS_POLICY
    assert web["X-Content-Type-Options"] == "nosniff"


# Functions that act for a seller outside their handler module (which then shows no `acting_for`).
ACTS_FOR_A_SELLER_INDIRECTLY = {
    "ApiFunction": "SellerAccess.require acts for the seller a member was let into",
    "PiiApiFunction": "SellerAccess.require acts for the seller a member was let into",
    "BillingFunction": "SellerAccess.require acts for the seller an owner was let into",
    "ApplyNotificationsFunction": "handle_message acts for each notification's seller",
    "ReceiveBuyerEmailFunction": "InboundService.receive acts for the seller the inbound address names",
}
# Functions that legitimately act for no seller: their work spans sellers (or touches no seller item),
# so they keep their own role's credentials.
CROSS_SELLER_FUNCTIONS = {
    "ListDueSellersFunction": "fan-out: reads the active_sellers index, every seller due a sync",
    "StartSellerSyncFunction": (
        "starts one seller's sync execution; reads and claims only that seller's SYNC#route item and "
        "checks its PROFILE status, on its own role (a conditional transaction before the start)"
    ),
    "SweepExpiredFunction": "deletes expired items of every seller (and the app-wide ones) in one sweep",
    "AccessReviewReminderFunction": "finds the owners of every seller whose access review is due",
    "FetchFxRatesFunction": "stores the ECB's reference rates: app-wide data (FX#ECB), no seller's",
    "TwilioWebhooksFunction": "an inbound STOP/START opts one phone number out or in for every seller",
    "ReportUsageFunction": "reports every metered account's monthly order count (one sum each) to Stripe",
}


def _acts_for_a_seller(function: dict[str, Any]) -> bool:
    return "acting_for(" in (code_folder(function) / "app.py").read_text()


TENANT_FUNCTIONS = {
    name for name, f in FUNCTIONS.items() if _acts_for_a_seller(f)
} | ACTS_FOR_A_SELLER_INDIRECTLY.keys()


def test_every_function_acts_for_a_seller_or_is_listed_as_cross_seller_with_a_reason() -> None:
    # A new function must choose: tenant credentials for a seller's work, or a reason it spans sellers
    assert TENANT_FUNCTIONS.isdisjoint(CROSS_SELLER_FUNCTIONS)
    assert TENANT_FUNCTIONS | CROSS_SELLER_FUNCTIONS.keys() == set(FUNCTIONS)
    for name in CROSS_SELLER_FUNCTIONS:
        assert "TENANT_DATA_ROLE_ARN" not in function_environment(FUNCTIONS[name]), name


def test_the_tenant_data_role_is_assumed_by_every_function_that_acts_for_a_seller_and_no_other() -> None:
    role = load_template()["Resources"]["TenantDataRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    # a session without a seller tag cannot be had; the account trusts only principals it allows
    assert set(trust["Action"]) == {"sts:AssumeRole", "sts:TagSession"}
    assert trust["Condition"] == {"StringLike": {"aws:RequestTag/seller_id": "?*"}}
    assuming = {
        name
        for name, function in FUNCTIONS.items()
        if any(
            referenced_resource(p) == "AssumeTenantDataRolePolicy" for p in function["Properties"]["Policies"]
        )
    }
    assert assuming == TENANT_FUNCTIONS
    for name in TENANT_FUNCTIONS:
        assert "TENANT_DATA_ROLE_ARN" in function_environment(FUNCTIONS[name]), name
    # every DynamoDB statement of the role pins the partition keys to the session's seller tag
    for statement in role["Policies"][0]["PolicyDocument"]["Statement"]:
        if any(action.startswith("dynamodb:") for action in as_list(statement["Action"])):
            assert statement["Condition"]["ForAllValues:StringEquals"] == {
                "dynamodb:LeadingKeys": ["${aws:PrincipalTag/seller_id}"]
            }
            assert "dynamodb:Scan" not in statement["Action"]
            assert not any(mentions(resource, "BuyerPiiTable") for resource in as_list(statement["Resource"]))


def test_an_erasure_deletes_nothing_before_every_hourly_sync_that_could_still_write_has_ended() -> None:
    """An Express execution cannot be listed or stopped: the erasure waits out the longest a run started
    before the seller stopped syncing can write (the start's Lambda, the machine's timeout, then the
    longest task Lambda still running), and only then stops a Standard run it handed over to."""
    hourly = _props("SellerSyncHourlyStateMachine")
    definition = json.loads((TEMPLATE_PATH.parent / hourly["DefinitionUri"]).read_text())
    default = load_template()["Globals"]["Function"]["Timeout"]
    tasks = [ref["Fn::GetAtt"][0] for ref in hourly["DefinitionSubstitutions"].values()]
    longest_task = max(_props(task).get("Timeout", default) for task in tasks)
    start = _props("StartSellerSyncFunction").get("Timeout", default)
    bound = start + definition["TimeoutSeconds"] + longest_task
    erase = json.loads(
        (TEMPLATE_PATH.parent / _props("EraseSellerStateMachine")["DefinitionUri"]).read_text()
    )
    states = erase["States"]
    (erasing,) = [c["Next"] for c in states["EraseData"]["Choices"] if c.get("BooleanEquals") is True]
    assert states[erasing]["Type"] == "Wait"
    assert states[erasing]["Seconds"] >= bound
    stop_again = states[states[erasing]["Next"]]
    assert stop_again["Parameters"]["Payload"]["step"] == "stop_handed_over_syncs"
    assert stop_again["Next"] == "StartCounting"  # the first deletion comes after both


def test_every_way_an_hourly_run_cannot_finish_hands_over_to_standard_with_a_valid_request() -> None:
    """A quota wait, a throttled page, more pages than the budget and a reports plan with backfill
    windows each lead to HandOverToStandard,
    whose payload is a StartSellerSync request the function accepts (its reasons are HandOver's)."""
    from typing import get_args

    from sellerflow.sync.models import HandOver, StartSellerSyncInput

    props = _props("SellerSyncHourlyStateMachine")
    states = json.loads((TEMPLATE_PATH.parent / props["DefinitionUri"]).read_text())["States"]
    passes = {name: s for name, s in states.items() if s.get("Next") == "HandOverToStandard"}
    reasons = {s["Result"] for s in passes.values()}
    assert reasons == set(get_args(HandOver.model_fields["reason"].annotation))
    targets = {
        c["Next"] for choice in ("MoreOrderPages", "MoreTransactionPages", "ReportsOnStandard")
        for c in states[choice]["Choices"]
    }  # fmt: skip
    throttled = {
        c["Next"]
        for name in ("SyncOrdersPage", "SyncTransactionsPage")
        for c in states[name]["Catch"]
        if "SpApiThrottled" in c["ErrorEquals"]
    }
    assert set(passes) <= targets | throttled
    hand_over = states["HandOverToStandard"]
    assert hand_over["Parameters"]["FunctionName"] == "${StartSellerSyncFunctionArn}"
    payload = hand_over["Parameters"]["Payload"]
    request = StartSellerSyncInput.model_validate(
        {
            "seller_id": "A1HANDOVER0001",
            "window": "20261205T1000",
            "hand_over": {"reason": "orders_quota", "pagination_token": "T"},
        }
    )
    assert {key.removesuffix(".$") for key in payload} == set(request.model_dump(exclude_none=True))
    assert {key.removesuffix(".$") for key in payload["hand_over"]} == set(HandOver.model_fields)
