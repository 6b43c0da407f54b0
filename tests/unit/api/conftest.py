"""Fixtures of the API unit tests (defined with the fakes in `api_fakes`)."""

from api_fakes import other_key, pool_jwks, pool_key, tokens, world

__all__ = ["other_key", "pool_jwks", "pool_key", "tokens", "world"]
