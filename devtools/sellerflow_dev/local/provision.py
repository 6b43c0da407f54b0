"""Create every resource of template.yaml in moto, from the template's own properties.

moto's CloudFormation drops TTL, SSE and PITR, so resources are created here type by type with the
same properties AWS would receive. A resource type this module does not know is refused loudly:
the local stack must never silently differ from the deployment.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sellerflow_dev.local.asl_moto import for_moto
from sellerflow_dev.local.template import Resolver, TemplateError

if TYPE_CHECKING:
    import boto3

LOCAL_ACCOUNT_ID = "123456789012"
# The standard attributes of a user pool (what a client without ReadAttributes may read in Cognito).
COGNITO_STANDARD_ATTRIBUTES = (
    "address", "birthdate", "email", "email_verified", "family_name", "gender", "given_name", "locale",
    "middle_name", "name", "nickname", "phone_number", "phone_number_verified", "picture",
    "preferred_username", "profile", "updated_at", "website", "zoneinfo",
)  # fmt: skip

# Types the local runtime honours in-process instead of creating in moto (and why).
IN_PROCESS_TYPES = {
    "AWS::Serverless::LayerVersion": "the layer's package is imported in-process",
    "AWS::Serverless::Api": "served by the local API gateway (sellerflow_dev.local.gateway)",
    "AWS::ApiGateway::Account": "account-level API Gateway logging has no local meaning",
    "AWS::CloudFront::Distribution": "the web app is served by the local gateway",
    "AWS::CloudFront::OriginAccessControl": "the web app is served by the local gateway",
    "AWS::CloudFront::ResponseHeadersPolicy": "the web app is served by the local gateway",
    "AWS::CloudFront::Function": "the web app is served by the local gateway",
    "AWS::SES::ReceiptRuleSet": "`sellerflow local inbound-email` puts the mail where SES would",
    "AWS::SES::ReceiptRule": "`sellerflow local inbound-email` invokes the function as SES would",
}


class UnsupportedResource(TemplateError):
    """template.yaml declares a resource type the local runtime cannot create."""


@dataclass
class FunctionSpec:
    logical_id: str
    name: str
    arn: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    timeout_s: int
    memory_mb: int
    api_routes: list[tuple[str, str]] = field(default_factory=list)  # (METHOD, path)
    public_routes: list[tuple[str, str]] = field(default_factory=list)  # of those, `Authorizer: NONE`
    # SQS event sources (SAM `Events: Type: SQS`): the local runtime polls them (moto does not).
    queue_sources: list[QueueSource] = field(default_factory=list)


@dataclass
class QueueSource:
    queue_arn: str
    batch_size: int = 10
    report_batch_item_failures: bool = False


@dataclass
class ScheduleSpec:
    logical_id: str
    name: str
    expression: str
    target_arn: str
    input: str


@dataclass
class LocalResources:
    """What was created, by logical id, for the runtime to wire together."""

    physical: dict[str, str] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    state_machines: dict[str, str] = field(default_factory=dict)  # logical id -> ARN
    schedules: dict[str, ScheduleSpec] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)  # logical id -> queue URL
    user_pool_id: str = ""
    user_pool_client_id: str = ""
    api_logical_ids: list[str] = field(default_factory=list)

    def function_by_name(self, name: str) -> FunctionSpec:
        for spec in self.functions.values():
            if spec.name == name:
                return spec
        raise KeyError(name)


def _tags_list(tags: Mapping[str, str] | list[dict[str, str]] | None) -> list[dict[str, str]]:
    if not tags:
        return []
    if isinstance(tags, list):
        return tags
    return [{"Key": k, "Value": v} for k, v in tags.items()]


class Provisioner:
    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        root: Path,
        session: boto3.session.Session,
        parameters: Mapping[str, str] | None = None,
        region: str = "us-east-1",
        name_prefix: str = "sellerflow-local",
    ) -> None:
        self.template = template
        self.root = root
        self.session = session
        self.region = region
        self.prefix = name_prefix
        self.resolver = Resolver(template, parameters or {}, region=region, account_id=LOCAL_ACCOUNT_ID)
        self.out = LocalResources()
        self._clients: dict[str, Any] = {}
        self._creators: dict[str, Callable[[str, dict[str, Any]], None]] = {
            "AWS::KMS::Key": self._kms_key,
            "AWS::KMS::Alias": self._kms_alias,
            "AWS::DynamoDB::Table": self._dynamodb_table,
            "AWS::S3::Bucket": self._s3_bucket,
            "AWS::S3::BucketPolicy": self._s3_bucket_policy,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::Logs::LogGroup": self._log_group,
            "AWS::IAM::Role": self._iam_role,
            "AWS::IAM::ManagedPolicy": self._iam_managed_policy,
            "AWS::Lambda::Permission": self._lambda_permission,
            "AWS::Serverless::Function": self._function,
            "AWS::Serverless::StateMachine": self._state_machine,
            "AWS::Scheduler::Schedule": self._schedule,
            "AWS::Cognito::UserPool": self._user_pool,
            "AWS::Cognito::UserPoolClient": self._user_pool_client,
            "AWS::Cognito::UserPoolGroup": self._user_pool_group,
            "AWS::SNS::Topic": self._sns_topic,
            "AWS::SNS::Subscription": self._sns_subscription,
            "AWS::SNS::TopicPolicy": self._sns_topic_policy,
            "AWS::CloudWatch::Alarm": self._alarm,
            "AWS::CloudWatch::Dashboard": self._dashboard,
            "AWS::Cognito::UserPoolRiskConfigurationAttachment": self._risk_configuration,
            "AWS::SQS::Queue": self._sqs_queue,
            "AWS::SQS::QueuePolicy": self._sqs_queue_policy,
        }

    def client(self, service: str) -> Any:
        if service not in self._clients:
            # The template names the service at run time: no typed overload can, so the client is Any.
            self._clients[service] = self.session.client(service, region_name=self.region)  # type: ignore[call-overload]
        return self._clients[service]

    # --- the loop ------------------------------------------------------------------------------
    def provision(self) -> LocalResources:
        resources: dict[str, Any] = dict(self.template["Resources"])
        for logical_id, spec in resources.items():
            rtype = spec.get("Type", "")
            if rtype not in self._creators and rtype not in IN_PROCESS_TYPES:
                raise UnsupportedResource(
                    f"template.yaml resource {logical_id} has type {rtype}, which the local runtime "
                    "cannot create; teach sellerflow_dev.local.provision about it"
                )
        pending = {
            k: v
            for k, v in resources.items()
            if not v.get("Condition") or self.resolver.condition(v["Condition"])
        }
        for logical_id, spec in list(pending.items()):
            if spec["Type"] in IN_PROCESS_TYPES:
                self.resolver.refs[logical_id] = logical_id
                if spec["Type"] == "AWS::Serverless::Api":
                    self.out.api_logical_ids.append(logical_id)
                del pending[logical_id]
        # Create in dependency order by retrying what refers to something not created yet.
        while pending:
            progressed = False
            last_error: Exception | None = None
            for logical_id, spec in list(pending.items()):
                try:
                    properties = self._properties(logical_id, spec)
                except TemplateError as exc:
                    last_error = exc
                    continue
                if spec["Type"] == "AWS::Lambda::Permission" and not self._function_created(properties):
                    last_error = TemplateError(f"{logical_id}: its function is not created yet")
                    continue
                self._creators[spec["Type"]](logical_id, properties)
                del pending[logical_id]
                progressed = True
            if not progressed:
                raise TemplateError(f"cannot resolve {sorted(pending)}: {last_error}")
        return self.out

    def _properties(self, logical_id: str, spec: Mapping[str, Any]) -> dict[str, Any]:
        properties = dict(spec.get("Properties") or {})
        if spec["Type"] == "AWS::Serverless::Function":
            properties = _merge_globals(
                (self.template.get("Globals") or {}).get("Function") or {}, properties
            )
            # A function's own ARN is known before creation; resolve the rest now.
            declared = properties.get("FunctionName")
            name = str(self.resolver.resolve(declared)) if declared else self._name(logical_id)
            self.resolver.refs.setdefault(logical_id, name)
            self.resolver.attrs.setdefault((logical_id, "Arn"), self._lambda_arn(name))
        resolved: dict[str, Any] = self.resolver.resolve(properties)
        return resolved

    def _name(self, logical_id: str) -> str:
        return f"{self.prefix}-{re.sub(r'(?<!^)(?=[A-Z])', '-', logical_id).lower()}"[:64]

    def _lambda_arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{LOCAL_ACCOUNT_ID}:function:{name}"

    def _register(self, logical_id: str, ref: Any, **attrs: Any) -> None:
        self.resolver.refs[logical_id] = ref
        self.out.physical[logical_id] = str(ref)
        for attr, value in attrs.items():
            self.resolver.attrs[(logical_id, attr)] = value

    # --- KMS ----------------------------------------------------------------------------------
    def _kms_key(self, logical_id: str, p: dict[str, Any]) -> None:
        kms = self.client("kms")
        args: dict[str, Any] = {
            "Description": p.get("Description", logical_id),
            "KeyUsage": p.get("KeyUsage", "ENCRYPT_DECRYPT"),
            "KeySpec": p.get("KeySpec", "SYMMETRIC_DEFAULT"),
        }
        if p.get("KeyPolicy"):
            args["Policy"] = json.dumps(p["KeyPolicy"])
        meta = kms.create_key(**args)["KeyMetadata"]
        if p.get("EnableKeyRotation"):
            kms.enable_key_rotation(KeyId=meta["KeyId"])
        self._register(logical_id, meta["KeyId"], Arn=meta["Arn"], KeyId=meta["KeyId"])

    def _kms_alias(self, logical_id: str, p: dict[str, Any]) -> None:
        target = p["TargetKeyId"]
        self.client("kms").create_alias(AliasName=p["AliasName"], TargetKeyId=target)
        self._register(logical_id, p["AliasName"])

    # --- DynamoDB -----------------------------------------------------------------------------
    def _dynamodb_table(self, logical_id: str, p: dict[str, Any]) -> None:
        ddb = self.client("dynamodb")
        name = p.get("TableName") or self._name(logical_id)
        args: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": p["AttributeDefinitions"],
            "KeySchema": p["KeySchema"],
            "BillingMode": p.get("BillingMode", "PROVISIONED"),
        }
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"):
            if p.get(key):
                args[key] = p[key]
        if p.get("ProvisionedThroughput"):
            args["ProvisionedThroughput"] = p["ProvisionedThroughput"]
        sse = p.get("SSESpecification")
        if sse:
            args["SSESpecification"] = {
                "Enabled": bool(sse.get("SSEEnabled")),
                "SSEType": sse.get("SSEType", "KMS"),
                **({"KMSMasterKeyId": sse["KMSMasterKeyId"]} if sse.get("KMSMasterKeyId") else {}),
            }
        if "DeletionProtectionEnabled" in p:
            args["DeletionProtectionEnabled"] = bool(p["DeletionProtectionEnabled"])
        if p.get("Tags"):
            args["Tags"] = _tags_list(p["Tags"])
        table = ddb.create_table(**args)["TableDescription"]
        ttl = p.get("TimeToLiveSpecification")
        if ttl:
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={
                    "AttributeName": ttl["AttributeName"],
                    "Enabled": bool(ttl["Enabled"]),
                },
            )
        pitr = p.get("PointInTimeRecoverySpecification")
        if pitr:
            ddb.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification={
                    "PointInTimeRecoveryEnabled": bool(pitr.get("PointInTimeRecoveryEnabled"))
                },
            )
        self._register(logical_id, name, Arn=table["TableArn"], StreamArn=table.get("LatestStreamArn", ""))

    # --- S3 -----------------------------------------------------------------------------------
    def _s3_bucket(self, logical_id: str, p: dict[str, Any]) -> None:
        s3 = self.client("s3")
        name = p.get("BucketName") or self._name(logical_id)
        s3.create_bucket(Bucket=name)
        if p.get("BucketEncryption"):
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        _encryption_rule(r)
                        for r in p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                    ]
                },
            )
        if p.get("PublicAccessBlockConfiguration"):
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"]
            )
        if p.get("VersioningConfiguration"):
            s3.put_bucket_versioning(
                Bucket=name, VersioningConfiguration={"Status": p["VersioningConfiguration"]["Status"]}
            )
        if p.get("OwnershipControls"):
            s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=p["OwnershipControls"])
        if p.get("LifecycleConfiguration"):
            s3.put_bucket_lifecycle_configuration(
                Bucket=name, LifecycleConfiguration=_lifecycle(p["LifecycleConfiguration"])
            )
        self._register(
            logical_id,
            name,
            Arn=f"arn:aws:s3:::{name}",
            DomainName=f"{name}.s3.amazonaws.com",
            RegionalDomainName=f"{name}.s3.{self.region}.amazonaws.com",
        )

    def _s3_bucket_policy(self, logical_id: str, p: dict[str, Any]) -> None:
        # moto enforces Principal "*" statements but ignores their Conditions: a conditional Deny
        # (no TLS, TLS < 1.2) would deny every request, and loopback moto serves plain HTTP anyway.
        # Such statements are kept out locally; the rest of the policy is applied as declared.
        document = dict(p["PolicyDocument"])
        document["Statement"] = [
            s for s in document.get("Statement", []) if not (s.get("Effect") == "Deny" and s.get("Condition"))
        ]
        if document["Statement"]:
            self.client("s3").put_bucket_policy(Bucket=p["Bucket"], Policy=json.dumps(document))
        self._register(logical_id, p["Bucket"])

    # --- Secrets, logs, IAM -------------------------------------------------------------------
    def _secret(self, logical_id: str, p: dict[str, Any]) -> None:
        name = p.get("Name") or self._name(logical_id)
        args: dict[str, Any] = {"Name": name, "Description": p.get("Description", "")}
        if p.get("KmsKeyId"):
            args["KmsKeyId"] = p["KmsKeyId"]
        if "SecretString" in p:
            args["SecretString"] = p["SecretString"]
        elif "GenerateSecretString" in p:  # what Secrets Manager generates in AWS: a random key
            generate = p["GenerateSecretString"]
            length = int(generate.get("PasswordLength", 32))
            value = secrets.token_urlsafe(length)[:length]
            if "GenerateStringKey" in generate:
                document = json.loads(generate.get("SecretStringTemplate") or "{}")
                args["SecretString"] = json.dumps({**document, generate["GenerateStringKey"]: value})
            else:
                args["SecretString"] = value
        arn = self.client("secretsmanager").create_secret(**args)["ARN"]
        self._register(logical_id, arn, Id=arn)

    def _log_group(self, logical_id: str, p: dict[str, Any]) -> None:
        logs = self.client("logs")
        name = p.get("LogGroupName") or f"/sellerflow-local/{logical_id}"
        logs.create_log_group(logGroupName=name)
        if p.get("RetentionInDays"):
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(p["RetentionInDays"]))
        arn = f"arn:aws:logs:{self.region}:{LOCAL_ACCOUNT_ID}:log-group:{name}:*"
        self._register(logical_id, name, Arn=arn)

    def _iam_role(self, logical_id: str, p: dict[str, Any]) -> None:
        name = p.get("RoleName") or self._name(logical_id)
        role = self.client("iam").create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(p["AssumeRolePolicyDocument"])
        )["Role"]
        for policy in p.get("Policies") or []:
            self.client("iam").put_role_policy(
                RoleName=name,
                PolicyName=policy["PolicyName"],
                PolicyDocument=json.dumps(policy["PolicyDocument"]),
            )
        self._register(logical_id, name, Arn=role["Arn"], RoleId=role["RoleId"])

    def _iam_managed_policy(self, logical_id: str, p: dict[str, Any]) -> None:
        name = p.get("ManagedPolicyName") or self._name(logical_id)
        arn = self.client("iam").create_policy(
            PolicyName=name,
            PolicyDocument=json.dumps(p["PolicyDocument"]),
            Description=p.get("Description", ""),
        )["Policy"]["Arn"]
        self._register(logical_id, arn, PolicyArn=arn)

    def _function_created(self, p: dict[str, Any]) -> bool:
        named = str(p.get("FunctionName", ""))
        return any(named in (f.name, f.arn) for f in self.out.functions.values())

    def _lambda_permission(self, logical_id: str, p: dict[str, Any]) -> None:
        # moto keeps resource policies but enforces none; record it so the template stays whole.
        self.client("lambda").add_permission(
            FunctionName=p["FunctionName"],
            StatementId=logical_id,
            Action=p["Action"],
            Principal=p["Principal"],
            **({"SourceArn": p["SourceArn"]} if p.get("SourceArn") else {}),
        )
        self._register(logical_id, logical_id)

    def _execution_role(self, name: str, service: str) -> str:
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
        iam = self.client("iam")
        try:
            return str(iam.get_role(RoleName=name)["Role"]["Arn"])
        except iam.exceptions.NoSuchEntityException:
            return str(
                iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
            )

    # --- Lambda -------------------------------------------------------------------------------
    def _function(self, logical_id: str, p: dict[str, Any]) -> None:
        name = p.get("FunctionName") or self._name(logical_id)
        code_dir = (self.root / p["CodeUri"]).resolve()
        if not code_dir.is_dir():
            raise TemplateError(f"{logical_id}: CodeUri {p['CodeUri']} is not a folder")
        env = {k: str(v) for k, v in ((p.get("Environment") or {}).get("Variables") or {}).items()}
        role = p.get("Role") or self._execution_role(f"{name}-role"[:64], "lambda.amazonaws.com")
        self.client("lambda").create_function(
            FunctionName=name,
            Runtime=p.get("Runtime", "python3.12"),
            Role=role,
            Handler=p["Handler"],
            Code={"ZipFile": _zip_folder(code_dir)},
            Timeout=int(p.get("Timeout", 3)),
            MemorySize=int(p.get("MemorySize", 128)),
            Environment={"Variables": env},
        )
        routes = [
            (str(e["Properties"]["Method"]).upper(), str(e["Properties"]["Path"]))
            for e in (p.get("Events") or {}).values()
            if e.get("Type") == "Api"
        ]
        public = [
            (str(e["Properties"]["Method"]).upper(), str(e["Properties"]["Path"]))
            for e in (p.get("Events") or {}).values()
            if e.get("Type") == "Api" and (e["Properties"].get("Auth") or {}).get("Authorizer") == "NONE"
        ]
        self.out.functions[logical_id] = FunctionSpec(
            logical_id=logical_id,
            name=name,
            arn=self._lambda_arn(name),
            code_dir=code_dir,
            handler=p["Handler"],
            environment=env,
            timeout_s=int(p.get("Timeout", 3)),
            memory_mb=int(p.get("MemorySize", 128)),
            api_routes=routes,
            public_routes=public,
            queue_sources=[
                QueueSource(
                    queue_arn=str(e["Properties"]["Queue"]),
                    batch_size=int(e["Properties"].get("BatchSize", 10)),
                    report_batch_item_failures="ReportBatchItemFailures"
                    in (e["Properties"].get("FunctionResponseTypes") or []),
                )
                for e in (p.get("Events") or {}).values()
                if e.get("Type") == "SQS"
            ],
        )
        self._register(logical_id, name, Arn=self._lambda_arn(name))

    # --- Step Functions -----------------------------------------------------------------------
    def _state_machine(self, logical_id: str, p: dict[str, Any]) -> None:
        name = p.get("Name") or self._name(logical_id)
        if "DefinitionUri" in p:
            definition = (self.root / p["DefinitionUri"]).read_text(encoding="utf-8")
        else:
            definition = json.dumps(p["Definition"])
        for key, value in (p.get("DefinitionSubstitutions") or {}).items():
            definition = definition.replace("${" + key + "}", str(value))
        leftover = re.findall(r"\$\{[A-Za-z0-9_]+\}", definition)
        if leftover:
            raise TemplateError(f"{logical_id}: no DefinitionSubstitution for {sorted(set(leftover))}")
        role = p.get("Role") or self._execution_role(f"{name}-role"[:64], "states.amazonaws.com")
        arn = self.client("stepfunctions").create_state_machine(
            name=name, definition=for_moto(definition), roleArn=role, type=p.get("Type", "STANDARD")
        )["stateMachineArn"]
        self.out.state_machines[logical_id] = arn
        self._register(logical_id, arn, Arn=arn, Name=name)

    def _schedule(self, logical_id: str, p: dict[str, Any]) -> None:
        name = p.get("Name") or self._name(logical_id)
        target = p["Target"]
        self.client("scheduler").create_schedule(
            Name=name,
            ScheduleExpression=p["ScheduleExpression"],
            FlexibleTimeWindow=p.get("FlexibleTimeWindow", {"Mode": "OFF"}),
            State=p.get("State", "ENABLED"),
            Target={"Arn": target["Arn"], "RoleArn": target["RoleArn"], "Input": target.get("Input", "{}")},
        )
        self.out.schedules[logical_id] = ScheduleSpec(
            logical_id=logical_id,
            name=name,
            expression=p["ScheduleExpression"],
            target_arn=target["Arn"],
            input=target.get("Input", "{}"),
        )
        self._register(
            logical_id,
            name,
            Arn=f"arn:aws:scheduler:{self.region}:{LOCAL_ACCOUNT_ID}:schedule/default/{name}",
        )

    # --- Cognito and SNS ----------------------------------------------------------------------
    def _user_pool(self, logical_id: str, p: dict[str, Any]) -> None:
        idp = self.client("cognito-idp")
        args: dict[str, Any] = {"PoolName": p.get("UserPoolName") or self._name(logical_id)}
        for key in (
            "Policies",
            "MfaConfiguration",
            "UsernameAttributes",
            "AutoVerifiedAttributes",
            "AdminCreateUserConfig",
            "AccountRecoverySetting",
            "Schema",
            "UserPoolAddOns",
            "DeletionProtection",
        ):
            if key in p:
                args[key] = p[key]
        if args.get("MfaConfiguration") == "ON" and "EnabledMfas" in p:
            pass  # set below: create_user_pool has no EnabledMfas
        pool = idp.create_user_pool(**args)["UserPool"]
        if p.get("MfaConfiguration"):
            idp.set_user_pool_mfa_config(
                UserPoolId=pool["Id"],
                SoftwareTokenMfaConfiguration={
                    "Enabled": "SOFTWARE_TOKEN_MFA" in (p.get("EnabledMfas") or [])
                },
                MfaConfiguration=p["MfaConfiguration"],
            )
        self.out.user_pool_id = pool["Id"]
        self._register(
            logical_id,
            pool["Id"],
            Arn=pool["Arn"],
            ProviderName=f"cognito-idp.{self.region}.amazonaws.com/{pool['Id']}",
            ProviderURL=f"https://cognito-idp.{self.region}.amazonaws.com/{pool['Id']}",
        )

    def _user_pool_client(self, logical_id: str, p: dict[str, Any]) -> None:
        args: dict[str, Any] = {
            "UserPoolId": p["UserPoolId"],
            "ClientName": p.get("ClientName") or self._name(logical_id),
            "GenerateSecret": bool(p.get("GenerateSecret", False)),
        }
        flows = list(p.get("ExplicitAuthFlows") or [])
        # Local tooling (demo, tests) signs in with the admin API, no SRP maths; the dashboard uses SRP
        # and production keeps SRP only (the template's client).
        args["ExplicitAuthFlows"] = sorted(set(flows) | {"ALLOW_ADMIN_USER_PASSWORD_AUTH"})
        for key in (
            "PreventUserExistenceErrors",
            "AccessTokenValidity",
            "IdTokenValidity",
            "TokenValidityUnits",
        ):
            if key in p:
                args[key] = p[key]
        # Cognito lets a client that lists no ReadAttributes read them all, so its ID tokens carry
        # `email_verified` (what accepting an invitation checks); moto puts only listed ones in tokens.
        args["ReadAttributes"] = list(p.get("ReadAttributes") or COGNITO_STANDARD_ATTRIBUTES)
        client = self.client("cognito-idp").create_user_pool_client(**args)["UserPoolClient"]
        self.out.user_pool_client_id = client["ClientId"]
        self._register(logical_id, client["ClientId"], ClientId=client["ClientId"])

    def _user_pool_group(self, logical_id: str, p: dict[str, Any]) -> None:
        self.client("cognito-idp").create_group(
            GroupName=p["GroupName"], UserPoolId=p["UserPoolId"], Description=p.get("Description", "")
        )
        self._register(logical_id, p["GroupName"])

    def _sns_subscription(self, logical_id: str, p: dict[str, Any]) -> None:
        attributes: dict[str, str] = {}
        if "RawMessageDelivery" in p:
            attributes["RawMessageDelivery"] = str(bool(p["RawMessageDelivery"])).lower()
        if p.get("FilterPolicy"):
            attributes["FilterPolicy"] = json.dumps(p["FilterPolicy"])
        if p.get("FilterPolicyScope"):
            attributes["FilterPolicyScope"] = p["FilterPolicyScope"]
        if p.get("RedrivePolicy"):
            attributes["RedrivePolicy"] = json.dumps(p["RedrivePolicy"])
        arn = self.client("sns").subscribe(
            TopicArn=p["TopicArn"], Protocol=p["Protocol"], Endpoint=p["Endpoint"], Attributes=attributes
        )["SubscriptionArn"]
        self._register(logical_id, arn, Arn=arn)

    # --- SQS ----------------------------------------------------------------------------------
    def _sqs_queue(self, logical_id: str, p: dict[str, Any]) -> None:
        name = p.get("QueueName") or self._name(logical_id)
        attributes: dict[str, str] = {}
        for key in (
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "MaximumMessageSize",
            "ReceiveMessageWaitTimeSeconds",
            "KmsMasterKeyId",
            "KmsDataKeyReusePeriodSeconds",
            "SqsManagedSseEnabled",
        ):
            if key in p:
                value = p[key]
                attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
        if p.get("RedrivePolicy"):
            attributes["RedrivePolicy"] = json.dumps(p["RedrivePolicy"])
        if p.get("FifoQueue"):
            attributes["FifoQueue"] = "true"
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self._register(logical_id, url, Arn=arn, QueueName=name, QueueUrl=url)
        self.out.queues[logical_id] = url

    def _sqs_queue_policy(self, logical_id: str, p: dict[str, Any]) -> None:
        for queue_url in p["Queues"]:
            self.client("sqs").set_queue_attributes(
                QueueUrl=queue_url, Attributes={"Policy": json.dumps(p["PolicyDocument"])}
            )
        self._register(logical_id, logical_id)

    def _sns_topic(self, logical_id: str, p: dict[str, Any]) -> None:
        attrs = {"KmsMasterKeyId": p["KmsMasterKeyId"]} if p.get("KmsMasterKeyId") else {}
        arn = self.client("sns").create_topic(
            Name=p.get("TopicName") or self._name(logical_id), Attributes=attrs
        )["TopicArn"]
        self._register(logical_id, arn, TopicArn=arn, TopicName=arn.rsplit(":", 1)[-1])

    def _sns_topic_policy(self, logical_id: str, p: dict[str, Any]) -> None:
        policy = json.dumps(p["PolicyDocument"])
        for topic_arn in p["Topics"]:
            self.client("sns").set_topic_attributes(
                TopicArn=topic_arn, AttributeName="Policy", AttributeValue=policy
            )
        self._register(logical_id, logical_id)

    def _alarm(self, logical_id: str, p: dict[str, Any]) -> None:
        args = {k: v for k, v in p.items() if k != "Threshold"}
        self.client("cloudwatch").put_metric_alarm(**args, Threshold=float(p["Threshold"]))
        self._register(logical_id, p["AlarmName"])

    def _dashboard(self, logical_id: str, p: dict[str, Any]) -> None:
        name = p.get("DashboardName") or self._name(logical_id)
        self.client("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=p["DashboardBody"])
        self._register(logical_id, name)

    def _risk_configuration(self, logical_id: str, _p: dict[str, Any]) -> None:
        # moto has no threat protection; only a deployed pool on the Plus tier evaluates risk.
        self._register(logical_id, logical_id)


def _merge_globals(global_props: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {k: v for k, v in global_props.items()}
    for key, value in props.items():
        if key == "Environment" and "Environment" in merged:
            variables = {**(merged["Environment"].get("Variables") or {}), **(value.get("Variables") or {})}
            merged["Environment"] = {"Variables": variables}
        elif key == "Layers" and "Layers" in merged:
            merged["Layers"] = [*merged["Layers"], *value]
        else:
            merged[key] = value
    return merged


def _encryption_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation spells it ServerSideEncryptionByDefault; the S3 API, ApplyServerSideEncryptionByDefault."""
    out: dict[str, Any] = {}
    default = rule.get("ServerSideEncryptionByDefault")
    if default:
        out["ApplyServerSideEncryptionByDefault"] = {
            "SSEAlgorithm": default["SSEAlgorithm"],
            **({"KMSMasterKeyID": default["KMSMasterKeyID"]} if default.get("KMSMasterKeyID") else {}),
        }
    if "BucketKeyEnabled" in rule:
        out["BucketKeyEnabled"] = bool(rule["BucketKeyEnabled"])
    return out


def _lifecycle(config: Mapping[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in config.get("Rules", []):
        out: dict[str, Any] = {
            "ID": rule.get("Id", "rule"),
            "Status": rule.get("Status", "Enabled"),
            "Filter": {"Prefix": rule.get("Prefix", "")},
        }
        if "ExpirationInDays" in rule:
            out["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
        if "AbortIncompleteMultipartUpload" in rule:
            out["AbortIncompleteMultipartUpload"] = {
                "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
            }
        if "NoncurrentVersionExpiration" in rule:
            out["NoncurrentVersionExpiration"] = {
                "NoncurrentDays": int(rule["NoncurrentVersionExpiration"].get("NoncurrentDays", 30))
            }
        rules.append(out)
    return {"Rules": rules}


def _zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*.py")):
            archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def create_dynamodb_tables(template: Mapping[str, Any], dynamodb_client: Any) -> dict[str, str]:
    """Create only the template's DynamoDB tables (for tests); returns logical id -> table name.

    KMS keys are given stand-in ids: unit and integration tests that only need tables should not
    have to create keys. Names are the logical ids, so several tests can share one moto backend.
    """
    created: dict[str, str] = {}
    for logical_id, spec in template["Resources"].items():
        if spec.get("Type") != "AWS::DynamoDB::Table":
            continue
        p = spec["Properties"]
        name = logical_id
        args: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": p["AttributeDefinitions"],
            "KeySchema": p["KeySchema"],
            "BillingMode": p.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if p.get("GlobalSecondaryIndexes"):
            args["GlobalSecondaryIndexes"] = p["GlobalSecondaryIndexes"]
        dynamodb_client.create_table(**args)
        ttl = p.get("TimeToLiveSpecification")
        if ttl:
            dynamodb_client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        created[logical_id] = name
    return created
