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
