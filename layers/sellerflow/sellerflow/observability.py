"""One place for logging, metrics and tracing (Powertools), and the filter that keeps secrets out.

Every module logs through `logger`; nothing logs an event whole. The masking filter is the last line
of defence: it redacts token-shaped strings and known PII field names before a record is written.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "sellerflow"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="Sellerflow", service=SERVICE)
# Only botocore is patched at import; httpx when a builder first makes an httpx client
# (`trace_httpx`). Powertools' default patches every library X-Ray knows, which imports httpx and
# requests into every handler's cold start (~65 ms) whether it calls out over HTTP or not.
tracer = Tracer(service=SERVICE, patch_modules=("botocore",))
_httpx_traced = False


def trace_httpx() -> None:
    """Trace httpx calls from now on (once per process; a no-op when tracing is off)."""
    global _httpx_traced
    if not _httpx_traced:
        _httpx_traced = True
        tracer.patch(["httpx"])


_TOKEN_PATTERNS = (
    re.compile(r"Atz[ra]\|[A-Za-z0-9+/=_\-|.]+"),  # LWA refresh / access tokens
    re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+"),  # JWTs
    re.compile(
        r"(?i)(client_secret|refresh_token|access_token|authorization)([\"'=:\s]+)((?:bearer|basic)\s+)?[^\s\"'&,}]+"
    ),
)
PII_FIELDS = frozenset(
    {
        "buyername",
        "buyeremail",
        "buyercompanyname",
        "name",
        "addressline1",
        "addressline2",
        "addressline3",
        "phone",
        "email",
        "postalcode",
        "deliveryaddress",
        "buyer",
        "recipient",
    }
)
REDACTED = "***"


def redact_text(text: str) -> str:
    """Mask token-shaped substrings in free text."""
    for pattern in _TOKEN_PATTERNS[:2]:
        text = pattern.sub(REDACTED, text)
    return _TOKEN_PATTERNS[2].sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3) or ''}{REDACTED}", text)


def redact_value(value: Any) -> Any:
    """Mask PII fields (by name) and tokens (by shape) in nested structures."""
    if isinstance(value, dict):
        return {k: (REDACTED if str(k).lower() in PII_FIELDS else redact_value(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


# A record's own attributes (its logger's `name`, ...) are not data and keep their values.
_STANDARD_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) - {
    "msg",
    "args",
}


class RedactingFilter(logging.Filter):
    """Applied to every Sellerflow log record: message, args and structured extras."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        elif isinstance(record.msg, dict):
            record.msg = redact_value(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_value(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = redact_value(record.args)
        for key, val in list(record.__dict__.items()):
            if key in _STANDARD_RECORD_ATTRIBUTES:
                continue
            if key.lower() in PII_FIELDS:
                setattr(record, key, REDACTED)
            elif isinstance(val, str | dict | list):
                setattr(record, key, redact_value(val)) if key not in ("msg", "args") else None
        return True


logger.addFilter(RedactingFilter())


# The security metrics the security topic's alarms watch (template.yaml, docs/incident-response.md).
# Counts only: no seller, user or order in a dimension or a value.
AUTHORIZATION_FAILURES = "AuthorizationFailures"
PII_READS = "PiiReads"
BREAK_GLASS_GRANTED = "BreakGlassGranted"
AUDIT_CHAIN_BROKEN = "AuditChainBroken"


def count(metric: str) -> None:
    """Add one to a count metric."""
    metrics.add_metric(name=metric, unit="Count", value=1)


def flush_request_metrics() -> None:
    """Publish what one API request counted (Chalice handlers have no `log_metrics` decorator)."""
    if metrics.metric_set:
        metrics.flush_metrics()
