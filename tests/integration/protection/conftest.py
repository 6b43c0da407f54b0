"""Fixtures of the data-protection integration tests live in prot_support (a uniquely named module:
`conftest` names collide across test folders)."""

from prot_support import *  # noqa: F403
