"""What a cold start imports: each heavy handler module, imported as Lambda imports it, leaves out the
libraries and services it does not need until a request uses them (docs/performance.md, "Cold starts").

Not a timing test: the bench (`sellerflow_dev.bench.cold_start_bench`) measures the time; this guards
the imports that made it, so a module-level import added back fails here rather than in the figures.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "sellerflow"

# Imported by a builder or an adapter on first use, never by a handler's import (~50-150 ms each):
# boto3 (and s3transfer) where PynamoDB's botocore suffices, httpx (the SP-API, Ads, LWA and Twilio
# clients), the JWT stack, the AWS Encryption SDK (buyer PII, refresh tokens), Stripe, and
# Powertools' parameters (which import boto3).
NEVER_AT_IMPORT = frozenset(
    {
        "boto3",
        "s3transfer",
        "httpx",
        "jwt",
        "cryptography",
        "aws_encryption_sdk",
        "stripe",
        "aws_lambda_powertools.utilities.parameters",
    }
)
# The seller-data side of the API: its route families, services and the token verifier.
SELLER_DATA_API = frozenset(
    {
        "sellerflow.api.access",
        "sellerflow.api.auth",
        "sellerflow.api.routes_access",
        "sellerflow.api.models_analytics",
        "sellerflow.analytics.service",
        "sellerflow.labels.service",
        "sellerflow.billing.service",
        "sellerflow.members.review",
        "sellerflow.connect.service",
        "sellerflow.privacy.service",
    }
)
# The API apps' route families and their models: imported on a family's first request
# (`sellerflow.api.families`), never by an app's import.
GENERAL_ROUTES = frozenset(
    {
        "sellerflow.api.routes_sellers",
        "sellerflow.api.routes_analytics",
        "sellerflow.api.routes_ads",
        "sellerflow.api.routes_alerts",
        "sellerflow.api.routes_connect",
        "sellerflow.api.routes_members",
        "sellerflow.api.routes_access",
        "sellerflow.api.routes_admin",
        "sellerflow.api.routes_privacy",
        "sellerflow.api.routes_protection",
        "sellerflow.api.routes_transparency",
        "sellerflow.api.routes_incidents",
        "sellerflow.api.routes_reviews",
        "sellerflow.api.routes_settings",
    }
)
PII_ROUTES = frozenset(
    {"sellerflow.api.routes_labels", "sellerflow.api.routes_messages", "sellerflow.api.routes_protection"}
)
# Handler -> modules its import must not load, beyond NEVER_AT_IMPORT.
NOT_IMPORTED: dict[str, frozenset[str]] = {
    "twilio_webhooks": SELLER_DATA_API
    | {"sellerflow.store.alerts", "sellerflow.notifications.whatsapp", "sellerflow.api.routes_twilio"},
    "api": GENERAL_ROUTES
    | {
        "sellerflow.api.models_analytics",
        "sellerflow.analytics.service",
        "sellerflow.store.orders",
        "sellerflow.store.sellers",
        "sellerflow.wiring.connect",
        "sellerflow.members.service",  # the ports name its protocols for types only
    },
    "api_pii": PII_ROUTES
    | {
        "sellerflow.store.pii",
        "sellerflow.wiring.labels",
        "sellerflow.store.labels",
        "sellerflow.labels.service",
    },
    "billing": frozenset({"sellerflow.api.routes_billing", "sellerflow.billing.service"}),
    "send_whatsapp": frozenset(
        {
            "sellerflow.alerts.service",
            "sellerflow.store.messages",
            "sellerflow.analytics.service",
            "sellerflow.wiring.analytics",
            "sellerflow.notifications.whatsapp",  # the adapter: built on the first message
        }
    ),
    # A step of the erasure imports neither the export nor, but for its first step, the push
    # subscriptions; the export imports none of the erasure.
    "erase_seller": frozenset(
        {
            "sellerflow.spapi.client",
            "sellerflow.privacy.export",
            "sellerflow.privacy.service",
            "sellerflow.wiring.notifications",
            "sellerflow.sync.notifications",
        }
    ),
    "export_seller_data": frozenset(
        {"sellerflow.privacy.erase", "sellerflow.wiring.notifications", "sellerflow.sync.notifications"}
    ),
    # The report parsers: on the first report notification (`sellerflow.reports` is a lazy package).
    "apply_notifications": frozenset({"sellerflow.spapi.client", "sellerflow.reports.ingest"}),
    # The ads ingestion and the reconciliation need the stores, not the rollups or the API's analytics;
    # the ads ingestion never reads rollups (`wiring.analytics` imports each store in its builder),
    # the reconciliation reads rollups and never the ads store and the fact store under it.
    "ingest_ads_report": frozenset(
        {
            "sellerflow.analytics.service",
            "sellerflow.analytics.fx",
            "sellerflow.analytics.rollups",
            "sellerflow.store.facts_rollups",
            "sellerflow.analytics.model",
        }
    ),
    "advance_reports": frozenset(
        {"sellerflow.analytics.service", "sellerflow.store.facts_rollups", "sellerflow.analytics.model"}
    ),
    "reconcile_economics": frozenset(
        {
            "sellerflow.analytics.service",
            "sellerflow.analytics.fx",
            "sellerflow.store.ads",
            "sellerflow.store.facts",
        }
    ),
    # Review requests are off for most sellers: the fact store is built when a run first reads orders.
    "request_reviews": frozenset({"sellerflow.store.facts", "sellerflow.store.orders", "sellerflow.facts"}),
    # The reply service and its redaction patterns: built after a mail is stored (`after_receipt`),
    # never for rejected or duplicate mail; the message store keeps drafts without them.
    "receive_buyer_email": frozenset(
        {"sellerflow.messages.replies", "sellerflow.messages.redaction", "sellerflow.messages.drafting"}
    ),
    "compute_rollups": frozenset({"sellerflow.analytics.service", "sellerflow.analytics.fx"}),
}
PROBE = (
    "import json, sys; sys.path.insert(0, '.'); import app; "
    "routes = sorted([m, p] for p, ms in getattr(getattr(app, 'app', None), 'routes', {}).items() for m in ms); "
    "print(json.dumps({'modules': sorted(sys.modules), 'routes': routes}))"
)


def _lambda_env(handler: str) -> dict[str, str]:
    """What the Lambda runtime and the template's Globals set (the bench's environment)."""
    folder = ROOT / "functions" / handler
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(LAYER),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "LAMBDA_TASK_ROOT": str(folder),
        "AWS_LAMBDA_FUNCTION_NAME": f"sellerflow-{handler}",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "POWERTOOLS_SERVICE_NAME": "sellerflow",
        "POWERTOOLS_METRICS_NAMESPACE": "Sellerflow",
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
    }


@pytest.fixture(scope="module")
def probed() -> dict[str, dict[str, Any]]:
    """Each handler's `sys.modules` and routes after `import app`, imported in parallel fresh interpreters."""
    running = {
        handler: subprocess.Popen(
            [sys.executable, "-c", PROBE],
            cwd=ROOT / "functions" / handler,
            env=_lambda_env(handler),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for handler in NOT_IMPORTED
    }
    found: dict[str, dict[str, Any]] = {}
    for handler, process in running.items():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, f"{handler}: import failed\n{err[-2000:]}"
        found[handler] = json.loads(out.strip().splitlines()[-1])
    return found


@pytest.fixture(scope="module")
def imported(probed: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    return {handler: set(found["modules"]) for handler, found in probed.items()}


@pytest.mark.parametrize("handler", sorted(NOT_IMPORTED))
def test_a_cold_start_imports_only_what_the_handler_needs_at_import(
    handler: str, imported: dict[str, set[str]]
) -> None:
    modules = imported[handler]
    assert "app" in modules  # the probe really imported the handler
    assert "sellerflow" in modules
    loaded = sorted((NEVER_AT_IMPORT | NOT_IMPORTED[handler]) & modules)
    assert loaded == [], f"{handler} imports {loaded} at import: import them where first used"


@pytest.mark.parametrize(
    ("handler", "factory"),
    [
        ("api", "sellerflow.api.app:create_app"),
        ("api_pii", "sellerflow.api.pii_app:create_pii_app"),
        ("billing", "sellerflow.api.billing_app:create_billing_app"),
        ("twilio_webhooks", "sellerflow.api.webhook_app:create_webhook_app"),
    ],
)
def test_each_api_app_registers_all_its_routes_at_import(
    handler: str, factory: str, probed: dict[str, dict[str, Any]]
) -> None:
    # The families are imported on first request, their routes registered at import (Chalice routes
    # by them): what the handler's import registered is every route of the eagerly built app.
    module, name = factory.split(":")
    eager = getattr(importlib.import_module(module), name)(eager=True)
    expected = sorted([method, path] for path, methods in eager.routes.items() for method in methods)
    assert expected
    assert probed[handler]["routes"] == expected


def test_the_reports_package_resolves_every_name_it_exports() -> None:
    # `sellerflow.reports` imports a name's module when the name is first read (PEP 562).
    import sellerflow.reports as reports

    assert sorted(reports.__all__) == sorted(reports._MODULES)
    for name, module in reports._MODULES.items():
        assert getattr(reports, name) is getattr(
            importlib.import_module(f"sellerflow.reports.{module}"), name
        )
    with pytest.raises(AttributeError):
        _ = reports.no_such_name
