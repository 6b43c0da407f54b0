"""Read template.yaml the way CloudFormation does, for tests that check what it declares.

The template is parsed with cfn-lint's decoder, so short-form tags come back in their long form
(`!Ref X` -> `{"Ref": "X"}`, `!GetAtt X.Arn` -> `{"Fn::GetAtt": ["X", "Arn"]}`, `!Sub` ->
`{"Fn::Sub": ...}`) and the helpers only ever deal with plain dicts, lists and strings. Its
`Fn::ForEach` loops (AWS::LanguageExtensions) are expanded as CloudFormation expands them, with the
local runtime's expander, so tests see one resource per item.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str

from sellerflow_dev.local.template import expand_language_extensions

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"

# Actions AWS only authorizes on Resource "*" (no resource-level permissions exist for them).
RESOURCE_STAR_ALLOWED_ACTIONS = frozenset(
    {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "cloudwatch:PutMetricData",
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
        "comprehend:DetectPiiEntities",  # a real-time analysis: Comprehend defines no resource for it
    }
)

DYNAMODB_WRITE_ACTIONS = frozenset(
    {
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:TransactWriteItems",
        "dynamodb:PartiQLInsert",
        "dynamodb:PartiQLUpdate",
        "dynamodb:PartiQLDelete",
    }
)

# SAM policy templates that grant writes to the table they name.
SAM_WRITE_POLICY_TEMPLATES = frozenset({"DynamoDBCrudPolicy", "DynamoDBWritePolicy"})

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


@lru_cache(maxsize=1)
def raw_template() -> dict[str, Any]:
    """The template as written (decoded once per test session), its `Fn::ForEach` loops unexpanded."""
    template, errors = decode_str(TEMPLATE_PATH.read_text())
    if errors or template is None:
        raise AssertionError(f"template.yaml does not parse: {errors}")
    return template


@lru_cache(maxsize=1)
def load_template() -> dict[str, Any]:
    """The template as CloudFormation sees it after its transforms' loops: one entry per resource."""
    return expand_language_extensions(raw_template())


def resources_of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in load_template()["Resources"].items()
        if resource["Type"] == resource_type
    }


def functions() -> dict[str, dict[str, Any]]:
    return resources_of_type("AWS::Serverless::Function")


def state_machines() -> dict[str, dict[str, Any]]:
    return resources_of_type("AWS::Serverless::StateMachine")


def referenced_resource(value: Any) -> str | None:
    """The logical id a `Ref`/`GetAtt` points at (None for anything else)."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else target.split(".")[0])
    return None


def sub_references(value: Any) -> set[str]:
    """Every `${Name}`/`${Name.Attr}` a `Fn::Sub` string mentions (logical ids and parameters)."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        body = value["Fn::Sub"]
        text = body[0] if isinstance(body, list) else body
        return {match.split(".")[0] for match in re.findall(r"\$\{([A-Za-z0-9_:.]+)\}", text)}
    return set()


def mentions(value: Any, name: str) -> bool:
    """Whether any Ref, GetAtt or Sub anywhere inside `value` mentions `name`."""
    if referenced_resource(value) == name or name in sub_references(value):
        return True
    if isinstance(value, dict):
        return any(mentions(v, name) for v in value.values())
    if isinstance(value, list):
        return any(mentions(v, name) for v in value)
    return False


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_statements(policies: Any) -> Iterator[dict[str, Any]]:
    """The IAM statements inside a SAM `Policies` list or an IAM role's `Policies`."""
    for policy in as_list(policies or []):
        if not isinstance(policy, dict):
            continue
        document = policy.get("PolicyDocument", policy)
        yield from as_list(document.get("Statement", []))


def sam_policy_templates(policies: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(template name, its parameters) for each SAM policy template in a `Policies` list."""
    for policy in as_list(policies or []):
        if referenced_resource(policy) is not None:
            continue  # a managed policy of the template, not a policy template
        if isinstance(policy, dict) and "Statement" not in policy and "PolicyDocument" not in policy:
            for name, parameters in policy.items():
                yield name, parameters or {}


def asl_placeholders(path: Path) -> set[str]:
    return set(_PLACEHOLDER.findall(path.read_text()))


def module_attributes(path: Path) -> set[str]:
    """Top-level names a module binds, read with `ast` (the module is never imported)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def code_folder(function: dict[str, Any]) -> Path:
    return ROOT / function["Properties"]["CodeUri"]


def global_environment() -> dict[str, Any]:
    return load_template()["Globals"]["Function"]["Environment"]["Variables"]


def function_environment(function: dict[str, Any]) -> dict[str, Any]:
    """Globals merged with the function's own variables, as SAM merges them."""
    local = function["Properties"].get("Environment", {}).get("Variables", {})
    return {**global_environment(), **local}


def function_property(function: dict[str, Any], name: str) -> Any:
    """A function's own property, else the one Globals gives every function (as SAM resolves it)."""
    own = function["Properties"].get(name)
    return own if own is not None else load_template()["Globals"]["Function"].get(name)


def rendered_sub(value: Any) -> str:
    """A `Fn::Sub` with its literal variables filled in (`${Stage}` and other references stay)."""
    body = value["Fn::Sub"]
    if isinstance(body, str):
        return body
    text, variables = body
    for name, literal in variables.items():
        if isinstance(literal, str):
            text = text.replace(f"${{{name}}}", literal)
    return str(text)
