"""Fixtures of the privacy integration tests live in priv_int_support (conftest names collide)."""

from priv_int_support import *  # noqa: F403
