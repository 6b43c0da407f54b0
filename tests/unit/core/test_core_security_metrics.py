"""The security alarms' metrics are counted where the events happen, and API requests publish them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from sellerflow.api.errors import error_response
from sellerflow.errors import Forbidden, SellerNotFound, Unauthenticated
from sellerflow.observability import AUTHORIZATION_FAILURES, flush_request_metrics, metrics


@pytest.fixture(autouse=True)
def empty_metric_set() -> Iterator[None]:
    metrics.metric_set.clear()
    yield
    metrics.metric_set.clear()


def test_401_and_403_count_as_authorization_failures_and_other_errors_do_not() -> None:
    error_response(Forbidden("no"))
    error_response(Unauthenticated("no token"))
    assert metrics.metric_set[AUTHORIZATION_FAILURES]["Value"] == [1.0, 1.0]
    metrics.metric_set.clear()
    error_response(SellerNotFound("A1"))
    assert AUTHORIZATION_FAILURES not in metrics.metric_set


def test_a_request_publishes_what_it_counted_and_nothing_when_it_counted_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    flush_request_metrics()  # nothing counted: no empty-metrics warning, nothing published
    assert capsys.readouterr().out == ""
    error_response(Forbidden("no"))
    flush_request_metrics()
    published = json.loads(capsys.readouterr().out)
    assert published[AUTHORIZATION_FAILURES] == [1.0]
    assert published["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Sellerflow"
    assert metrics.metric_set == {}
