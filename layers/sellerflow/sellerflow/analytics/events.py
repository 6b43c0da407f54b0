"""Step Functions state input of the rollup task."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ComputeRollupsInput(BaseModel):
    """`{"seller_id": ...}`; other keys of the state (the sync's own) are ignored."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    seller_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
