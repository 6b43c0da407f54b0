"""Envelope encryption under one KMS key with the AWS Encryption SDK (committing algorithm suites only)."""

from __future__ import annotations

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
    Encryption is never cached: every ciphertext gets a data key of its own, so a new ciphertext (a
    re-authorised seller's token) always reaches KMS once."""

    max_age_s: float
    capacity: int

    def __post_init__(self) -> None:
        if self.max_age_s <= 0 or self.capacity < 1:
            raise ValueError("a decrypt cache needs a positive max_age_s and a capacity of at least 1")


class ContextEnvelope:
    """Encrypts under one KMS key with each ciphertext bound to an encryption context, and decrypts only
    what was encrypted for the context expected: a ciphertext copied into another seller's (order's,
    thread's, purpose's) item is refused, not served. The SDK is imported on first use.

    `decrypt_cache`: reuse a decrypted data key for the same ciphertext within its thresholds (held in
    this object's memory only, so per warm container); the encryption context is still checked on every
    decrypt, cached or not."""

    def __init__(
        self,
        key_arn: str,
        botocore_session: BotocoreSession | None = None,
        *,
        decrypt_cache: DecryptCache | None = None,
    ) -> None:
        self._key_arn = key_arn
        self._session = botocore_session
        self._decrypt_cache = decrypt_cache
        self._built: (
            tuple[aws_encryption_sdk.EncryptionSDKClient, aws_encryption_sdk.StrictAwsKmsMasterKeyProvider]
            | None
        ) = None
        self._caching: CachingCryptoMaterialsManager | None = None

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
            from aws_encryption_sdk import CachingCryptoMaterialsManager, LocalCryptoMaterialsCache

            self._caching = CachingCryptoMaterialsManager(
                master_key_provider=provider,
                cache=LocalCryptoMaterialsCache(capacity=self._decrypt_cache.capacity),
                max_age=float(self._decrypt_cache.max_age_s),
            )
        return {"materials_manager": self._caching}

    def encrypt(self, plaintext: bytes, context: dict[str, str]) -> bytes:
        client, provider = self._sdk()
        ciphertext, _ = client.encrypt(source=plaintext, key_provider=provider, encryption_context=context)
        return bytes(ciphertext)

    def decrypt(self, ciphertext: bytes, context: dict[str, str]) -> bytes | None:
        """The plaintext, or None when the ciphertext was not encrypted for `context`."""
        client, _ = self._sdk()
        plaintext, header = client.decrypt(source=ciphertext, **self._decrypt_materials())
        if any(header.encryption_context.get(k) != v for k, v in context.items()):
            return None
        return bytes(plaintext)
