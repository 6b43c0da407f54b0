"""Integration tests run against moto: make its DynamoDB serialize writes to an item, as DynamoDB
does, so that racing conditional writes behave as they will in AWS."""

from sellerflow_dev.moto_writes import serialize_dynamodb_writes

serialize_dynamodb_writes()
