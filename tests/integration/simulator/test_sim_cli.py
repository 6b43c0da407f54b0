"""`python -m sellerflow_dev.simulator.cli` prints its startup line first and serves until told to stop."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest


@pytest.fixture
def process() -> Iterator[subprocess.Popen[str]]:
    command = [
        sys.executable,
        "-m",
        "sellerflow_dev.simulator.cli",
        "--port",
        "0",
        "--sellers",
        "2",
        "--seed",
        "1",
    ]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield child
    if child.poll() is None:
        child.kill()
        child.wait(timeout=5)


def test_the_cli_prints_the_startup_line_then_serves_until_sigterm(process: subprocess.Popen[str]) -> None:
    # Given the simulator started on a free port
    assert process.stdout is not None
    line = json.loads(process.stdout.readline())
    # Then the first stdout line describes where and how to connect
    assert set(line) == {
        "lwa_endpoint",
        "api_endpoint",
        "client_id",
        "client_secret",
        "application_id",
        "consent_url",
        "ads_authorize_url",
        "sellers",
    }
    assert line["lwa_endpoint"] == line["api_endpoint"] + "/auth/o2/token"
    assert not line["api_endpoint"].endswith(":0")
    assert line["client_id"].startswith("amzn1.application-oa2-client.")
    assert len(line["sellers"]) == 2
    assert set(line["sellers"][0]) == {
        "seller_id",
        "refresh_token",
        "ads_refresh_token",
        "ads_refresh_tokens",
        "marketplace_ids",
    }
    # And the credentials it printed work
    seller = line["sellers"][1]
    form = {
        "grant_type": "refresh_token",
        "refresh_token": seller["refresh_token"],
        "client_id": line["client_id"],
        "client_secret": line["client_secret"],
    }
    token = httpx.post(line["lwa_endpoint"], data=form, timeout=5).json()["access_token"]
    response = httpx.get(
        line["api_endpoint"] + "/orders/2026-01-01/orders",
        params={"createdAfter": "2020-01-01T00:00:00Z", "maxResultsPerPage": 5},
        headers={"x-amz-access-token": token},
        timeout=5,
    )
    assert response.status_code == 200
    assert len(response.json()["orders"]) == 5
    # When it is asked to stop, it exits cleanly and quietly
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert process.stderr is not None
    assert process.stderr.read() == ""


def test_the_same_seed_prints_the_same_sellers() -> None:
    command = [
        sys.executable,
        "-m",
        "sellerflow_dev.simulator.cli",
        "--port",
        "0",
        "--sellers",
        "1",
        "--seed",
        "3",
    ]
    lines = []
    for _ in range(2):
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        lines.append(json.loads(child.stdout.readline()))
        child.send_signal(signal.SIGINT)
        assert child.wait(timeout=10) == 0
    assert lines[0]["sellers"] == lines[1]["sellers"]
    assert lines[0]["client_secret"] == lines[1]["client_secret"]
