"""Sub-processor transparency cannot drift from the code: every product module that hands data to an
outside service declares it (`SENDS = SubprocessorUse(...)`), every declaration is collected by the
wiring, and the API lists exactly what the deployment's settings turn on."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

from sellerflow.api.routes_transparency import subprocessors_out
from sellerflow.settings import Settings
from sellerflow.subprocessors import HOSTING, SubprocessorUse
from sellerflow.wiring.subprocessors import DECLARATIONS, deployment_subprocessors

PACKAGE = Path(__file__).resolve().parents[3] / "layers" / "sellerflow" / "sellerflow"
# Libraries that reach a service outside the deployment's AWS account.
OUTSIDE_LIBRARIES = (
    "twilio",
    "httpx",
    "requests",
    "urllib.request",
    "smtplib",
    "stripe",
    "openai",
    "anthropic",
)
# AWS clients that deliver data to people or to a model, rather than store it (storage is HOSTING).
DELIVERING_AWS_CLIENTS = frozenset({"sns", "ses", "sesv2", "cognito-idp", "pinpoint", "bedrock-runtime"})
# Amazon's own APIs (SP-API, Advertising, Login with Amazon) are where the data comes from, not a
# sub-processor; the wiring only builds their HTTP transports.
AMAZON_CALLERS = ("sellerflow.spapi", "sellerflow.ads", "sellerflow.wiring")
# Public reference data fetched with a bare GET (no seller's data, no credentials, no query): the ECB's
# euro reference rates files. Nothing is handed to the service, so it processes nothing of ours.
PUBLIC_DATA_SOURCES = ("sellerflow.ecb",)


def reaches_outside(source: str) -> list[str]:
    """What in a module's source talks to an outside service: imported libraries, AWS client names."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found += [n for n in names if any(n == lib or n.startswith(lib + ".") for lib in OUTSIDE_LIBRARIES)]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "client"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in DELIVERING_AWS_CLIENTS
        ):
            found.append(f"boto3 client {node.args[0].value}")
    return found


def product_modules() -> dict[str, str]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path.read_text()
    return modules


def undeclared(modules: dict[str, str]) -> list[str]:
    """Modules that reach an outside service without a module-level `SENDS` declaration."""
    missing = []
    for name, source in modules.items():
        if name.startswith(AMAZON_CALLERS + PUBLIC_DATA_SOURCES) or not reaches_outside(source):
            continue
        assigned = {
            target.id
            for node in ast.parse(source).body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        if "SENDS" not in assigned:
            missing.append(name)
    return missing


def test_every_module_that_reaches_an_outside_service_declares_what_it_sends() -> None:
    modules = product_modules()
    assert undeclared(modules) == []
    # and the check does see one: the WhatsApp adapter is found by its httpx import (it calls Twilio's
    # REST API itself)
    assert "httpx" in reaches_outside(modules["sellerflow.notifications.whatsapp"])


def test_a_planted_undeclared_sender_is_caught() -> None:
    planted = {
        "sellerflow.notifications.mailer": "import smtplib\n",
        "sellerflow.store.texts": "import boto3\nclient = boto3.client('sesv2')\n",
        "sellerflow.notifications.declared": "import stripe\nSENDS = None\n",
    }
    assert undeclared(planted) == ["sellerflow.notifications.mailer", "sellerflow.store.texts"]


def test_every_declaration_is_collected_by_the_wiring() -> None:
    declared = [
        module.SENDS
        for name in product_modules()
        if isinstance(getattr(module := importlib.import_module(name), "SENDS", None), SubprocessorUse)
    ]
    assert declared, "the adapters declare their sub-processors"
    assert set(DECLARATIONS) == {HOSTING, *declared}


def test_the_list_follows_the_deployments_settings() -> None:
    bare = deployment_subprocessors(Settings(alerts_topic_arn="", twilio_content_sids="{}"))
    assert {use.service for use in bare} == {HOSTING.service, *(u.service for u in bare if u.role == "email")}
    assert {use.role for use in bare} == {"hosting", "email"}
    sids = json.dumps({"margin_drop": "HX" + "0" * 32})
    full = deployment_subprocessors(
        Settings(alerts_topic_arn="arn:aws:sns:us-east-1:123456789012:alerts", twilio_content_sids=sids)
    )
    assert {use.provider for use in full} == {"Amazon Web Services", "Twilio"}
    body = subprocessors_out(full).model_dump()
    assert body["not_used"] == ["payments", "ai"]
    twilio = next(s for s in body["subprocessors"] if s["provider"] == "Twilio")
    assert any("phone number" in data for data in twilio["receives"])


@pytest.mark.parametrize("use", DECLARATIONS, ids=lambda use: use.service)
def test_each_declaration_names_the_data_it_receives(use: SubprocessorUse) -> None:
    assert use.receives
    assert all(item.strip() for item in use.receives)
    assert use.purpose
    assert use.provider
