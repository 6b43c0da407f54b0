"""The simulator's Bedrock Converse stand-in, over HTTP with boto3's own client: it answers as
Converse does (the Bedrock adapter reads it) and records every prompt it was sent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import boto3

from sellerflow.messages.drafting import BedrockDrafter, DraftPrompt
from sellerflow_dev.simulator import SimServer, SimWorld


def test_converse_answers_and_records_each_prompt(tmp_path: Path) -> None:
    server = SimServer(SimWorld.generate(sellers=1, seed=3, now=datetime(2026, 12, 1, tzinfo=UTC)), port=0)
    server.bedrock._path = tmp_path / "prompts.jsonl"
    server.start()
    try:
        client = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=server.url)
        prompt = DraftPrompt(
            system="Signature: The Mug Shop",
            user="Intent: invoice_request\nOrder: 111-2223334-4445556",
            intent="x",
        )
        reply = BedrockDrafter(client, "amazon.nova-lite-v1:0").draft(prompt)
    finally:
        server.stop()
    assert "invoice" in reply
    assert reply.endswith("The Mug Shop")
    [recorded] = server.bedrock.prompts()
    assert recorded["model_id"] == "amazon.nova-lite-v1:0"
    assert recorded["user"] == prompt.user
    assert recorded["system"] == prompt.system
