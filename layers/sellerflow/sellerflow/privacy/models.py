"""Boundary models of the privacy workflows (Step Functions state input/output) and of the API."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

SellerId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
ExportId = Annotated[str, StringConstraints(pattern=r"^[a-f0-9]{24}$")]
_EXPORT_ID = re.compile(r"^[a-f0-9]{24}$")
_PLAIN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def is_seller_id(value: str) -> bool:
    """Seller ids (merchant tokens) and Amazon order ids are short and plain."""
    return bool(_PLAIN_ID.fullmatch(value))


def is_export_id(value: str) -> bool:
    return bool(_EXPORT_ID.fullmatch(value))


class _Model(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class _Event(BaseModel):
    # Step Functions state carries more than one task needs; a task reads only its own fields.
    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")


# --- export workflow ---------------------------------------------------------------------------
class ExportInput(_Event):
    seller_id: SellerId
    export_id: ExportId
    requested_by: str = Field(min_length=1, max_length=128)


class ExportOutput(_Model):
    seller_id: str
    export_id: str
    key: str
    entities: dict[str, int]
    bytes: int


# --- erase-seller workflow ---------------------------------------------------------------------
class ErasureCounts(_Model):
    """Running totals of an erasure, carried from batch to batch in the workflow's state."""

    items: dict[str, int] = Field(default_factory=dict)  # table kind -> items deleted
    # The seller's audit hash chain as it was before it was deleted: "seq=<n> hash=<sha256>" (or
    # "none"); kept in the erasure record so the extent of the deleted chain stays attested.
    audit_chain: str = ""
    objects: int = 0


class StopSyncingInput(_Event):
    step: Literal["stop_syncing"]
    seller_id: SellerId
    requested_by: str = Field(min_length=1, max_length=128)
    reason: str = Field(default="", max_length=200)
    erase_data: bool = True


class StopSyncingOutput(_Model):
    seller_id: str
    status: str
    profile_found: bool
    schedule_deleted: bool
    syncs_stopped: int
    subscriptions_deleted: int = 0  # Amazon notification subscriptions (push) deleted


class StopHandedOverSyncsInput(_Event):
    """After the erasure's drain wait: stop a Standard seller-sync an hourly run handed over to while
    the seller was being stopped (none is started later: the hand-over checks the seller is active)."""

    step: Literal["stop_handed_over_syncs"]
    seller_id: SellerId


class StopHandedOverSyncsOutput(_Model):
    seller_id: str
    syncs_stopped: int


class DeleteCredentialsInput(_Event):
    step: Literal["delete_credentials"]
    seller_id: SellerId


class DeleteCredentialsOutput(_Model):
    seller_id: str
    deleted: bool = True


class DeleteItemsInput(_Event):
    step: Literal["delete_items"]
    seller_id: SellerId
    counts: ErasureCounts = Field(default_factory=ErasureCounts)


class DeleteItemsOutput(_Model):
    more: bool
    counts: ErasureCounts


class DeleteObjectsInput(_Event):
    step: Literal["delete_objects"]
    seller_id: SellerId
    counts: ErasureCounts = Field(default_factory=ErasureCounts)


class DeleteObjectsOutput(_Model):
    more: bool
    counts: ErasureCounts


class VerifyInput(_Event):
    step: Literal["verify"]
    seller_id: SellerId


class VerifyOutput(_Model):
    items_left: int
    objects_left: int
    by_table: dict[str, int]


class RecordErasureInput(_Event):
    step: Literal["record"]
    seller_id: SellerId
    requested_by: str = Field(min_length=1, max_length=128)
    reason: str = Field(default="", max_length=200)
    counts: ErasureCounts = Field(default_factory=ErasureCounts)
    verification: VerifyOutput


class RecordErasureOutput(_Model):
    seller_id: str
    erased_at: str
    items_left: int
    objects_left: int


EraseStep = Annotated[
    StopSyncingInput
    | StopHandedOverSyncsInput
    | DeleteCredentialsInput
    | DeleteItemsInput
    | DeleteObjectsInput
    | VerifyInput
    | RecordErasureInput,
    Field(discriminator="step"),
]


class EraseTask(_Event):
    """What the erase-seller workflow hands its one function: a step and that step's fields."""

    task: EraseStep


# --- API ---------------------------------------------------------------------------------------
class ExportStartedOut(_Model):
    export_id: str
    status: Literal["running"]


class ExportStatusOut(_Model):
    export_id: str
    status: Literal["running", "ready", "failed"]
    url: str | None = None
    expires_in: int | None = None


class ErasureStartedOut(_Model):
    seller_id: str
    status: Literal["erasing", "disconnecting"]
    erase_data: bool


class DisconnectIn(_Model):
    erase_data: StrictBool
    reason: str = Field(default="", max_length=200)
