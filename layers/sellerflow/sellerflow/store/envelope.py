"""Envelope encryption under one KMS key with the AWS Encryption SDK (committing algorithm suites only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aws_encryption_sdk
    from aws_encryption_sdk.materials_managers.caching import CachingCryptoMaterialsManager
    from botocore.session import Session as BotocoreSession


def kms_envelope(
    key_arn: str, botocore_session: BotocoreSession | None = None
) -> tuple[aws_encryption_sdk.EncryptionSDKClient, aws_encryption_sdk.StrictAwsKmsMasterKeyProvider]:
    """The SDK client and the key provider that encrypt and decrypt under `key_arn` only."""
    # Imported on first use: the SDK takes ~100 ms to import, and most handlers never decrypt.
    import aws_encryption_sdk
    from aws_encryption_sdk import CommitmentPolicy

    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
    )
    kwargs: dict[str, Any] = {"key_ids": [key_arn]}
    if botocore_session is not None:
        kwargs["botocore_session"] = botocore_session
    return client, aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(**kwargs)


@dataclass(frozen=True)
class DecryptCache:
    """The Encryption SDK's data key caching, for decryption only, within these security thresholds:
    a data key KMS decrypted is reused for at most `max_age_s` from its KMS call, for the same
    ciphertext header only (the SDK's cache key is the encrypted data key, the algorithm suite and the
    encryption context), and at most `capacity` of them are held (least recently used dropped first).
    It caches no encryption (that is `EncryptCache`'s): without one every ciphertext gets a data key of
    its own, so a new ciphertext (a re-authorised seller's token) always reaches KMS once."""

    max_age_s: float
    capacity: int

    def __post_init__(self) -> None:
        if self.max_age_s <= 0 or self.capacity < 1:
            raise ValueError("a decrypt cache needs a positive max_age_s and a capacity of at least 1")


@dataclass(frozen=True)
class EncryptCache:
    """The Encryption SDK's data key caching for encryption, within these security thresholds: a data
    key KMS generated encrypts at most `max_messages` ciphertexts, for at most `max_age_s` from its KMS
    call, and only ciphertexts of the same encryption context (the SDK's cache key is the context and
    the algorithm suite: a context that names one seller never shares its key with another seller);
    at most `capacity` keys are held (least recently used dropped first). The ciphertexts sharing a key
    are told apart by nothing in their context, so whatever must bind each one to its record (an order)
    goes into its authenticated plaintext."""

    max_age_s: float
    max_messages: int
    capacity: int

    def __post_init__(self) -> None:
        if self.max_age_s <= 0 or self.max_messages < 1 or self.capacity < 1:
            raise ValueError(
                "an encrypt cache needs a positive max_age_s and max_messages and capacity of at least 1"
            )


def _caching_manager(
    provider: aws_encryption_sdk.StrictAwsKmsMasterKeyProvider, capacity: int, max_age_s: float, **limits: int
) -> CachingCryptoMaterialsManager:
    """The SDK's caching materials manager over a cache of its own (held in the caller's memory)."""
    from aws_encryption_sdk import CachingCryptoMaterialsManager, LocalCryptoMaterialsCache

    return CachingCryptoMaterialsManager(
        master_key_provider=provider,
        cache=LocalCryptoMaterialsCache(capacity=capacity),
        max_age=float(max_age_s),
        **limits,
    )


class ContextEnvelope:
    """Encrypts under one KMS key with each ciphertext bound to an encryption context, and decrypts only
    what was encrypted for the context expected: a ciphertext copied into another seller's (order's,
    thread's, purpose's) item is refused, not served. The SDK is imported on first use.

    `decrypt_cache`: reuse a decrypted data key for the same ciphertext within its thresholds (held in
    this object's memory only, so per warm container); the encryption context is still checked on every
    decrypt, cached or not. `encrypt_cache`: reuse a generated data key for later ciphertexts of the same
    encryption context within its thresholds (per object, so per warm container, as well)."""

    def __init__(
        self,
        key_arn: str,
        botocore_session: BotocoreSession | None = None,
        *,
        decrypt_cache: DecryptCache | None = None,
        encrypt_cache: EncryptCache | None = None,
    ) -> None:
        self._key_arn = key_arn
        self._session = botocore_session
        self._decrypt_cache = decrypt_cache
        self._encrypt_cache = encrypt_cache
        self._built: (
            tuple[aws_encryption_sdk.EncryptionSDKClient, aws_encryption_sdk.StrictAwsKmsMasterKeyProvider]
            | None
        ) = None
        self._caching: CachingCryptoMaterialsManager | None = None
        self._encrypt_caching: CachingCryptoMaterialsManager | None = None

    def _sdk(
        self,
    ) -> tuple[aws_encryption_sdk.EncryptionSDKClient, aws_encryption_sdk.StrictAwsKmsMasterKeyProvider]:
        if self._built is None:
            self._built = kms_envelope(self._key_arn, self._session)
        return self._built

    def _decrypt_materials(self) -> dict[str, Any]:
        """How `decrypt` gets its data key: from KMS each time, or through the SDK's caching manager."""
        _, provider = self._sdk()
        if self._decrypt_cache is None:
            return {"key_provider": provider}
        if self._caching is None:
            self._caching = _caching_manager(
                provider, self._decrypt_cache.capacity, self._decrypt_cache.max_age_s
            )
        return {"materials_manager": self._caching}

    def _encrypt_materials(self) -> dict[str, Any]:
        """How `encrypt` gets its data key: a new one from KMS each time, or through the caching manager
        (its own cache: encryption entries are keyed by context, decryption ones by ciphertext header)."""
        _, provider = self._sdk()
        if self._encrypt_cache is None:
            return {"key_provider": provider}
        if self._encrypt_caching is None:
            cache = self._encrypt_cache
            self._encrypt_caching = _caching_manager(
                provider, cache.capacity, cache.max_age_s, max_messages_encrypted=cache.max_messages
            )
        return {"materials_manager": self._encrypt_caching}

    def encrypt(self, plaintext: bytes, context: dict[str, str]) -> bytes:
        client, _ = self._sdk()
        ciphertext, _ = client.encrypt(
            source=plaintext, encryption_context=context, **self._encrypt_materials()
        )
        return bytes(ciphertext)

    def decrypt(self, ciphertext: bytes, context: dict[str, str]) -> bytes | None:
        """The plaintext, or None when the ciphertext was not encrypted for `context`."""
        found = self.decrypt_for_any(ciphertext, [context])
        return None if found is None else found[1]

    def decrypt_for_any(
        self, ciphertext: bytes, contexts: Sequence[Mapping[str, str]]
    ) -> tuple[int, bytes] | None:
        """Which of `contexts` the ciphertext was encrypted for (the first that matches: every key of it
        holds the same value in the ciphertext's context) and the plaintext; None when none matches.
        One KMS request (or none, its key cached) whichever context matches: for a store that wrote its
        ciphertexts under more than one layout of context over time."""
        client, _ = self._sdk()
        plaintext, header = client.decrypt(source=ciphertext, **self._decrypt_materials())
        for index, context in enumerate(contexts):
            if all(header.encryption_context.get(k) == v for k, v in context.items()):
                return index, bytes(plaintext)
        return None
