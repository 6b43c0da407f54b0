"""Fixtures of the API integration tests (defined in `moto_api`)."""

from moto_api import aws_env, stack

__all__ = ["aws_env", "stack"]
