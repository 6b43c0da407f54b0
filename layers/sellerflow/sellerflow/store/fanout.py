"""The fanout's due-seller lists in S3 (boto3): written by a tick, read by its Distributed Map."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class DueListObjects:
    """Objects of the fanout bucket; the bucket encrypts them with the data key (SSE-KMS default)."""

    def __init__(self, bucket: str, client: S3Client | None = None) -> None:
        self._bucket = bucket
        self._client = client

    @property
    def client(self) -> S3Client:
        if self._client is None:
            # SigV4: AWS serves SSE-KMS objects only to SigV4-signed requests.
            import boto3  # here: a cold start loads boto3 only where it is used

            self._client = boto3.client("s3", config=Config(signature_version="s3v4"))
        return self._client

    def put_json(self, key: str, body: bytes) -> str:
        self.client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="application/json")
        return self._bucket
