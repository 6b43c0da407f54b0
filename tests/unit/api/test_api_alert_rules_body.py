"""PUT /alerts/rules takes every kind's rule at once (the settings page saves them all together)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sellerflow.alerts.content import AlertKind
from sellerflow.alerts.model import AlertRule
from sellerflow.api.routes_alerts import RulesIn


def test_the_body_takes_one_rule_of_every_kind_and_no_more() -> None:
    every = [AlertRule(kind=k) for k in AlertKind]
    assert [r.kind for r in RulesIn(rules=every).rules] == list(AlertKind)
    with pytest.raises(ValidationError):
        RulesIn(rules=[*every, AlertRule(kind=AlertKind.LOW_STOCK)])
