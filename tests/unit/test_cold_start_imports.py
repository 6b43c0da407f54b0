"""What a cold start imports: each heavy handler module, imported as Lambda imports it, leaves out the
libraries and services it does not need until a request uses them (docs/performance.md, "Cold starts").

Not a timing test: the bench (`sellerflow_dev.bench.cold_start_bench`) measures the time; this guards
the imports that made it, so a module-level import added back fails here rather than in the figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
# Handler -> modules its import must not load, beyond NEVER_AT_IMPORT.
NOT_IMPORTED: dict[str, frozenset[str]] = {
    "twilio_webhooks": SELLER_DATA_API | {"sellerflow.store.alerts", "sellerflow.notifications.whatsapp"},
    "api": frozenset({"sellerflow.store.orders", "sellerflow.store.sellers", "sellerflow.wiring.connect"}),
    "api_pii": frozenset({"sellerflow.store.pii", "sellerflow.wiring.labels", "sellerflow.store.labels"}),
    "send_whatsapp": frozenset(
        {
            "sellerflow.alerts.service",
            "sellerflow.store.messages",
            "sellerflow.analytics.service",
            "sellerflow.wiring.analytics",
            "sellerflow.notifications.whatsapp",  # the adapter: built on the first message
        }
    ),
    "erase_seller": frozenset({"sellerflow.spapi.client"}),
    "apply_notifications": frozenset({"sellerflow.spapi.client"}),
    "compute_rollups": frozenset(),
}
PROBE = "import json, sys; sys.path.insert(0, '.'); import app; print(json.dumps(sorted(sys.modules)))"


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
    }


@pytest.fixture(scope="module")
def imported() -> dict[str, set[str]]:
    """Each handler's `sys.modules` after `import app`, imported in parallel fresh interpreters."""
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
    found: dict[str, set[str]] = {}
    for handler, process in running.items():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, f"{handler}: import failed\n{err[-2000:]}"
        found[handler] = set(json.loads(out.strip().splitlines()[-1]))
    return found


@pytest.mark.parametrize("handler", sorted(NOT_IMPORTED))
def test_a_cold_start_imports_only_what_the_handler_needs_at_import(
    handler: str, imported: dict[str, set[str]]
) -> None:
    modules = imported[handler]
    assert "app" in modules  # the probe really imported the handler
    assert "sellerflow" in modules
    loaded = sorted((NEVER_AT_IMPORT | NOT_IMPORTED[handler]) & modules)
    assert loaded == [], f"{handler} imports {loaded} at import: import them where first used"


def test_the_webhooks_app_still_registers_its_routes_and_the_api_all_its_families(
    imported: dict[str, set[str]],
) -> None:
    # The lazy imports leave the routes registered at import (Chalice routes by them).
    assert "sellerflow.api.routes_twilio" in imported["twilio_webhooks"]
    assert {"sellerflow.api.routes_access", "sellerflow.api.routes_sellers"} <= imported["api"]
