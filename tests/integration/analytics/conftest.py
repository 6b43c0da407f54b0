"""Fixtures of the analytics integration tests live in an_support (conftest names collide)."""

from an_support import tables

__all__ = ["tables"]
