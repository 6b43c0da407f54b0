"""Counting the KMS requests a piece of code sends (the `kms` fixture of tests/conftest.py); a uniquely
named module, so that tests can name the type (`conftest` names collide across test folders)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class KmsRequests:
    """The KMS operations sent through one botocore session (a container's clients), in order."""

    session: Any
    operations: list[str] = field(default_factory=list)

    def count(self, operation: str) -> int:
        return self.operations.count(operation)
