"""Envelope encryption under one KMS key with the AWS Encryption SDK (committing algorithm suites only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aws_encryption_sdk
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


class ContextEnvelope:
    """Encrypts under one KMS key with each ciphertext bound to an encryption context, and decrypts only
    what was encrypted for the context expected: a ciphertext copied into another seller's (order's,
    thread's, purpose's) item is refused, not served. The SDK is imported on first use."""

    def __init__(self, key_arn: str, botocore_session: BotocoreSession | None = None) -> None:
        self._key_arn = key_arn
        self._session = botocore_session
        self._built: (
            tuple[aws_encryption_sdk.EncryptionSDKClient, aws_encryption_sdk.StrictAwsKmsMasterKeyProvider]
            | None
        ) = None

    def _sdk(
        self,
    ) -> tuple[aws_encryption_sdk.EncryptionSDKClient, aws_encryption_sdk.StrictAwsKmsMasterKeyProvider]:
        if self._built is None:
            self._built = kms_envelope(self._key_arn, self._session)
        return self._built

    def encrypt(self, plaintext: bytes, context: dict[str, str]) -> bytes:
        client, provider = self._sdk()
        ciphertext, _ = client.encrypt(source=plaintext, key_provider=provider, encryption_context=context)
        return bytes(ciphertext)

    def decrypt(self, ciphertext: bytes, context: dict[str, str]) -> bytes | None:
        """The plaintext, or None when the ciphertext was not encrypted for `context`."""
        client, provider = self._sdk()
        plaintext, header = client.decrypt(source=ciphertext, key_provider=provider)
        if any(header.encryption_context.get(k) != v for k, v in context.items()):
            return None
        return bytes(plaintext)
