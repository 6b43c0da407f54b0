"""The alert functions' event models (Step Functions input of evaluate_alerts)."""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field


class Trigger(enum.StrEnum):
    SYNC_SUCCEEDED = "sync_succeeded"  # after the rollups: every rule
    SYNC_FAILED = "sync_failed"  # from the failure path: authorization and sync_failing only
    REVOKED = "revoked"  # the seller revoked access: authorization and sync_failing only


class EvaluateAlertsInput(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    seller_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+$")
    trigger: Trigger = Trigger.SYNC_SUCCEEDED
