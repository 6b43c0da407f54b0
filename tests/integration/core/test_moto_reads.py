"""The local stack's fast DynamoDB reads (sellerflow_dev.moto_reads) answer what moto's serializer does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.serialize import ResponseSerializer
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoResult

from sellerflow_dev import moto_reads
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
        **_queries(client),
        "batch": client.batch_get_item(
            RequestItems={"t": {"Keys": [{"pk": {"S": "P"}, "sk": {"S": s}} for s in ("A", "B", "none")]}}
        ),
    }
    for answer in answers.values():
        answer.pop("ResponseMetadata", None)
    return answers


def _query(client: Any, condition: str, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return dict(
        client.query(
            TableName="t", KeyConditionExpression=condition, ExpressionAttributeValues=values, **extra
        )
    )


def _queries(client: Any) -> dict[str, Any]:
    """The Query shapes the stores use, on a partition beside others (the fast path's cases)."""
    q = {":q": {"S": "Q"}}
    first = _query(client, "pk = :q AND begins_with(sk, :d)", {**q, ":d": {"S": "DAY#"}}, Limit=2)
    return {
        "query_prefix": _query(client, "pk = :q AND begins_with(sk, :d)", {**q, ":d": {"S": "DAY#"}}),
        "query_between": _query(
            client, "pk = :q AND sk BETWEEN :a AND :b", {**q, ":a": {"S": "DAY#2"}, ":b": {"S": "SKU#1"}}
        ),
        "query_newest": _query(
            client, "pk = :q AND sk <= :b", {**q, ":b": {"S": "DAY#9"}}, ScanIndexForward=False, Limit=1
        ),
        "query_first_page": first,
        "query_next_page": _query(
            client,
            "pk = :q AND begins_with(sk, :d)",
            {**q, ":d": {"S": "DAY#"}},
            Limit=2,
            ExclusiveStartKey=first["LastEvaluatedKey"],
        ),
        "query_backwards_pages": _query(
            client,
            "pk = :q AND begins_with(sk, :d)",
            {**q, ":d": {"S": "DAY#"}},
            ScanIndexForward=False,
            Limit=2,
            ExclusiveStartKey={"pk": {"S": "Q"}, "sk": {"S": "DAY#3"}},
        ),
        "query_filtered_projected": _query(
            client,
            "pk = :q AND begins_with(sk, :s)",
            {**q, ":s": {"S": "SKU#"}, ":n": {"N": "1"}},
            FilterExpression="units > :n",
            ProjectionExpression="sk, units",
        ),
        "query_count_range": _query(
            client, "pk = :q AND sk > :a", {**q, ":a": {"S": "DAY#1"}}, Select="COUNT"
        ),
        "query_no_partition": _query(client, "pk = :x", {":x": {"S": "nobody"}}),
        "query_no_match": _query(client, "pk = :q AND begins_with(sk, :z)", {**q, ":z": {"S": "ZZZ"}}),
        "query_index": _query(client, "units = :u", {":u": {"N": "2"}}, IndexName="by_units"),
    }


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
                {"AttributeName": "units", "AttributeType": "N"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_units",
                    "KeySchema": [
                        {"AttributeName": "units", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for sk in ("A", "B", "C"):
            ddb.put_item(TableName="t", Item={**ITEM, "sk": {"S": sk}})
        for pk in ("O", "Q", "R"):  # the partition queried between two others
            for units, sk in enumerate(("SKU#2", "DAY#3", "DAY#1", "SKU#1", "DAY#2", "DAY#4"), start=1):
                ddb.put_item(
                    TableName="t",
                    Item={"pk": {"S": pk}, "sk": {"S": sk}, "units": {"N": str(units)}, "m": ITEM["m"]},
                )
        yield ddb


def test_fast_reads_answer_what_the_serializer_answers(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    slow = _reads(client)
    monkeypatch.setattr(DynamoResult, "execute_result", DynamoResult.execute_result)  # undone after
    monkeypatch.setattr(Table, "query", Table.query)
    monkeypatch.setattr(Table, "all_items", Table.all_items)
    fast_dynamodb_reads()
    fast_dynamodb_reads()  # idempotent: wrapped once
    assert getattr(DynamoResult.execute_result, "_sellerflow_fast_reads", False)
    assert getattr(Table.query, "_sellerflow_fast_reads", False)
    serialized: list[str] = []  # the generic serializer's calls: none for these reads
    generic = ResponseSerializer.serialize

    def counting(self: ResponseSerializer, result: Any) -> Any:
        serialized.append(self.operation_name)
        return generic(self, result)

    monkeypatch.setattr(ResponseSerializer, "serialize", counting)
    partition_queries: list[str] = []  # the table queries answered from their partition
    partition_query = moto_reads._partition_query

    def counted_query(table: Any, *args: Any, **kwargs: Any) -> Any:
        partition_queries.append(table.name)
        return partition_query(table, *args, **kwargs)

    monkeypatch.setattr(moto_reads, "_partition_query", counted_query)
    fast = _reads(client)
    assert serialized == []
    assert len(partition_queries) == 12  # every query but the index's
    assert fast == slow
    assert fast["get"]["Item"]["b"] == {"B": b"\x00\xffbinary"}
    assert fast["query_page"]["LastEvaluatedKey"] == {"pk": {"S": "P"}, "sk": {"S": "B"}}
    assert fast["query_count"]["Count"] == 3
    assert "Item" not in fast["get_missing"]
    # the queries are not vacuous: each answers what its condition names, paged as moto pages
    assert [i["sk"]["S"] for i in fast["query_prefix"]["Items"]] == ["DAY#1", "DAY#2", "DAY#3", "DAY#4"]
    assert [i["sk"]["S"] for i in fast["query_between"]["Items"]] == ["DAY#2", "DAY#3", "DAY#4", "SKU#1"]
    assert [i["sk"]["S"] for i in fast["query_newest"]["Items"]] == ["DAY#4"]
    assert [i["sk"]["S"] for i in fast["query_next_page"]["Items"]] == ["DAY#3", "DAY#4"]
    assert [i["sk"]["S"] for i in fast["query_backwards_pages"]["Items"]] == ["DAY#2", "DAY#1"]
    assert fast["query_filtered_projected"]["Items"] == [{"sk": {"S": "SKU#1"}, "units": {"N": "4"}}]
    assert fast["query_count_range"]["Count"] == 5
    assert fast["query_no_partition"]["Items"] == []
    assert fast["query_no_match"]["Items"] == []
    assert fast["query_index"]["Count"] == 3
