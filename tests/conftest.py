"""Shared test set-up: unit tests may not open sockets; paths to the repo and the reference models."""

from __future__ import annotations

import os
from pathlib import Path

import botocore.session
import pytest
from hypothesis import settings
from kms_counting import KmsRequests

REPO_ROOT = Path(__file__).resolve().parents[1]

# Set before any test module imports sellerflow.observability: an enabled X-Ray tracer would open a
# UDP socket at import, which the unit tests (rightly) refuse.
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

# No per-example deadline for property tests: the machines are shared and noisy (a 200 ms deadline
# failed under load); speed is measured by `make bench`, never by a test.
settings.register_profile("sellerflow", deadline=None)
settings.load_profile("sellerflow")


def spapi_reference_dir() -> Path | None:
    """The official SP-API models beside the checkout (../shared/spapi), when present."""
    candidates = [os.environ.get("SPAPI_MODELS_DIR"), REPO_ROOT.parent / "shared" / "spapi"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


@pytest.fixture(autouse=True)
def _aws_credentials_for_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never reach a real AWS account from a test, whatever the machine has configured."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")


@pytest.fixture
def kms() -> KmsRequests:
    """A botocore session whose KMS requests are counted: hand `kms.session` to the code under test."""
    session = botocore.session.get_session()
    requests = KmsRequests(session)
    session.register("before-call.kms", lambda model, **_: requests.operations.append(model.name))
    return requests
