"""The fanout's due-seller lists in S3 (boto3): written by a tick, read by its Distributed Map."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sellerflow.store.s3 import sigv4_s3_client

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
            self._client = sigv4_s3_client()
        return self._client

    def put_json(self, key: str, body: bytes) -> str:
        self.client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="application/json")
        return self._bucket
