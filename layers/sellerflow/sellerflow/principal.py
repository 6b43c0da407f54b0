"""Who acts: the domain's view of an authenticated user, whatever proved the identity.

The HTTP layer maps a verified Cognito token to a `Principal`; domain services take a `Principal`
and never see a token, a header or the API's own types.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """An authenticated user: the identity provider's subject, the email it vouches for, and
    whether the user is a global admin (admins manage sellers; they are members of none)."""

    sub: str
    email: str | None = None
    email_verified: bool = False
    is_admin: bool = False
