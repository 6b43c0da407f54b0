"""The audit log's integrity: a per-seller hash chain and the walk that verifies it.

Pure code (no AWS): `sellerflow.store.audit` stores the chain, `sellerflow audit verify` and the
tests walk it with `verify_chain`.
"""

from sellerflow.audit.chain import (
    GENESIS_HASH,
    ChainBreak,
    ChainEntry,
    ChainHead,
    VerifyResult,
    entry_hash,
    verify_chain,
)

__all__ = [
    "GENESIS_HASH",
    "ChainBreak",
    "ChainEntry",
    "ChainHead",
    "VerifyResult",
    "entry_hash",
    "verify_chain",
]
