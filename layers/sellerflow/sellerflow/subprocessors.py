"""Sub-processors: the outside services a deployment hands data to, and exactly which data.

Each adapter that sends data out of the deployment declares it next to the code that sends it, as a
module constant `SENDS = SubprocessorUse(...)`; `sellerflow.wiring.subprocessors` collects the
declarations and keeps those the deployment's settings turn on. Sellers read the list through
`GET /sellers/{sellerId}/subprocessors` and the dashboard's settings page (Amazon's Data Protection
Policy: sellers know who processes their data). `tests/unit/core/test_subprocessors.py` fails when a
module that talks to an outside service has no declaration, so the list cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sellerflow.settings import Settings

Role = Literal["hosting", "email", "notifications", "payments", "ai"]
ROLES: tuple[Role, ...] = ("hosting", "email", "notifications", "payments", "ai")


def always(_settings: Settings) -> bool:
    return True


@dataclass(frozen=True)
class SubprocessorUse:
    """One outside service, what it is used for and the data it receives."""

    role: Role
    provider: str
    service: str
    purpose: str
    receives: tuple[str, ...]
    in_use: Callable[[Settings], bool] = always


# Hosting is the deployment itself, not one adapter: every table, bucket and queue is in the
# deployment's own AWS account and region.
HOSTING = SubprocessorUse(
    role="hosting",
    provider="Amazon Web Services",
    service="AWS (Lambda, DynamoDB, S3, KMS, Step Functions, CloudWatch) in the deployment's region",
    purpose="runs Sellerflow and stores its data, encrypted with the deployment's KMS keys",
    receives=(
        "Amazon order, finance, inventory, report and advertising data of the seller",
        "buyer shipping addresses read for a stated purpose (kept at most 30 days after delivery)",
        "team members' e-mail addresses, roles and the audit log",
    ),
)
