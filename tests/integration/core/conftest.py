"""Fixtures of the core integration tests live in int_core_support (a uniquely named module that the
tests import from: `conftest` names collide across test folders)."""

from int_core_support import *  # noqa: F403
