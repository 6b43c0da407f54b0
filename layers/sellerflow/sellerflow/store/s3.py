"""The S3 client of the stores that keep objects (history, exports, labels, mail, due lists)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def sigv4_s3_client() -> S3Client:
    """A new S3 client signing with SigV4: AWS serves SSE-KMS objects only to SigV4-signed (and
    presigned) requests. boto3 is imported here, on first use (~150 ms): most handlers that import a
    store never reach S3."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", config=Config(signature_version="s3v4"))
