"""The local stack's fast DynamoDB reads (sellerflow_dev.moto_reads) answer what moto's serializer does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.serialize import ResponseSerializer
from moto.dynamodb.responses import DynamoResult

from sellerflow_dev.moto_reads import fast_dynamodb_reads

REGION = "us-east-1"
ITEM: dict[str, Any] = {
    "pk": {"S": "P"},
    "sk": {"S": "A"},
    "n": {"N": "12.50"},
    "b": {"B": b"\x00\xffbinary"},
    "t": {"BOOL": True},
    "z": {"NULL": True},
    "l": {"L": [{"S": "x"}, {"N": "1"}, {"M": {"deep": {"B": b"\x01"}}}]},
    "m": {"M": {"k": {"S": "v"}, "e": {"L": []}}},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": [b"\x02", b"\x03"]},
    "u": {"S": "näive 🙂"},
}


def _reads(client: Any) -> dict[str, Any]:
    """Every read shape the stores use, without the per-request metadata."""
    answers = {
        "get": client.get_item(TableName="t", Key={"pk": {"S": "P"}, "sk": {"S": "A"}}),
        "get_missing": client.get_item(TableName="t", Key={"pk": {"S": "P"}, "sk": {"S": "nope"}}),
        "get_projected": client.get_item(
            TableName="t", Key={"pk": {"S": "P"}, "sk": {"S": "A"}}, ProjectionExpression="b, m.k"
        ),
        "query_page": client.query(
            TableName="t",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "P"}},
            Limit=2,
            ReturnConsumedCapacity="TOTAL",
        ),
        "query_count": client.query(
            TableName="t",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "P"}},
            Select="COUNT",
        ),
        "scan": client.scan(TableName="t"),
        "batch": client.batch_get_item(
            RequestItems={"t": {"Keys": [{"pk": {"S": "P"}, "sk": {"S": s}} for s in ("A", "B", "none")]}}
        ),
    }
    for answer in answers.values():
        answer.pop("ResponseMetadata", None)
    return answers


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        ddb.create_table(
            TableName="t",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for sk in ("A", "B", "C"):
            ddb.put_item(TableName="t", Item={**ITEM, "sk": {"S": sk}})
        yield ddb


def test_fast_reads_answer_what_the_serializer_answers(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    slow = _reads(client)
    monkeypatch.setattr(DynamoResult, "execute_result", DynamoResult.execute_result)  # undone after
    fast_dynamodb_reads()
    fast_dynamodb_reads()  # idempotent: wrapped once
    assert getattr(DynamoResult.execute_result, "_sellerflow_fast_reads", False)
    serialized: list[str] = []  # the generic serializer's calls: none for these reads
    generic = ResponseSerializer.serialize

    def counting(self: ResponseSerializer, result: Any) -> Any:
        serialized.append(self.operation_name)
        return generic(self, result)

    monkeypatch.setattr(ResponseSerializer, "serialize", counting)
    fast = _reads(client)
    assert serialized == []
    assert fast == slow
    assert fast["get"]["Item"]["b"] == {"B": b"\x00\xffbinary"}
    assert fast["query_page"]["LastEvaluatedKey"] == {"pk": {"S": "P"}, "sk": {"S": "B"}}
    assert fast["query_count"]["Count"] == 3
    assert "Item" not in fast["get_missing"]
