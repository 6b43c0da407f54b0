"""A small IAM policy evaluator for the policies Sellerflow writes, where moto evaluates none.

It decides one request (action, resource ARN, request context) against identity policies the way IAM
does for the parts those policies use: explicit Deny wins, then any Allow, else implicit deny; `*`/`?`
wildcards in actions and resources; policy variables (`${aws:PrincipalTag/seller_id}`); the condition
operators StringEquals, StringLike, ArnLike (with their ForAllValues:/ForAnyValue: set forms). An
operator it does not know denies, so a policy that outgrows it fails closed.

IAM's set semantics, kept on purpose: `ForAllValues` holds for an empty or missing key (which is why
the tenant role never allows Scan), `ForAnyValue` and the single-valued forms do not; a condition
whose policy variable is missing from the context matches nothing.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Context = Mapping[str, str | Sequence[str]]
_VARIABLE = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    matched: list[str] = field(default_factory=list)  # Sids of the statements that matched


def _like(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value, pattern)


def _substitute(text: str, context: Context) -> str | None:
    """`text` with its policy variables filled in, or None when one is missing from the context."""
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        value = context.get(match.group(1))
        if not isinstance(value, str):
            missing = True
            return ""
        return value

    filled = _VARIABLE.sub(fill, text)
    return None if missing else filled


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _equals(pattern: str, value: str) -> bool:
    return pattern == value


_MATCHERS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": _equals,
    "StringLike": _like,
    "ArnLike": _like,
    "ArnEquals": _equals,
}


def _condition_holds(operator: str, key: str, expected: Any, context: Context) -> bool:
    qualifier, _, base = operator.rpartition(":")
    match = _MATCHERS.get(base)
    if match is None or qualifier not in ("", "ForAllValues", "ForAnyValue"):
        return False  # unknown operator: fail closed
    patterns = [p for p in (_substitute(e, context) for e in _as_list(expected)) if p is not None]
    present = context.get(key)
    values = [] if present is None else _as_list(present)
    if qualifier == "ForAllValues":
        return all(any(match(p, v) for p in patterns) for v in values)
    return any(match(p, v) for p in patterns for v in values)


def _matches_any(patterns: Iterable[str], value: str, context: Context, *, case: bool) -> bool:
    for pattern in patterns:
        filled = _substitute(pattern, context)
        if filled is None:
            continue
        if fnmatch.fnmatchcase(value if case else value.lower(), filled if case else filled.lower()):
            return True
    return False


def _statement_applies(statement: Mapping[str, Any], action: str, resource: str, context: Context) -> bool:
    if not _matches_any(_as_list(statement.get("Action", [])), action, context, case=False):
        return False
    if not _matches_any(_as_list(statement.get("Resource", [])), resource, context, case=True):
        return False
    conditions: Mapping[str, Mapping[str, Any]] = statement.get("Condition") or {}
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, block in conditions.items()
        for key, expected in block.items()
    )


def evaluate(policies: Sequence[Mapping[str, Any]], action: str, resource: str, context: Context) -> Decision:
    """Whether identity `policies` allow `action` on `resource` for a request with `context`."""
    allows: list[str] = []
    for policy in policies:
        for statement in _as_list_of_statements(policy.get("Statement", [])):
            if not _statement_applies(statement, action, resource, context):
                continue
            sid = str(statement.get("Sid", "?"))
            if statement.get("Effect") == "Deny":
                return Decision(False, f"explicitly denied by {sid}", [sid])
            allows.append(sid)
    if allows:
        return Decision(True, f"allowed by {', '.join(allows)}", allows)
    return Decision(False, "no statement allows it (implicit deny)")


def _as_list_of_statements(statements: Any) -> list[Mapping[str, Any]]:
    return [statements] if isinstance(statements, Mapping) else list(statements)
