"""The deployment's sub-processors: every adapter's `SENDS` declaration that its settings turn on."""

from __future__ import annotations

from sellerflow.billing import subprocessor as billing
from sellerflow.messages import drafting, redaction, ses
from sellerflow.notifications import sns, whatsapp
from sellerflow.settings import Settings
from sellerflow.store import users
from sellerflow.subprocessors import HOSTING, SubprocessorUse

DECLARATIONS: tuple[SubprocessorUse, ...] = (
    HOSTING,
    users.SENDS,
    sns.SENDS,
    whatsapp.SENDS,
    billing.STRIPE_SENDS,
    ses.SENDS,  # buyer messages: mail in and approved replies out
    drafting.SENDS,  # buyer messages: drafts from redacted text (Bedrock)
    redaction.SENDS,  # buyer messages: PII detection before drafting (Comprehend)
)


def deployment_subprocessors(settings: Settings) -> tuple[SubprocessorUse, ...]:
    return tuple(use for use in DECLARATIONS if use.in_use(settings))
