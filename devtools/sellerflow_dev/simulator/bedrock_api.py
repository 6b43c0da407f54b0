"""Amazon Bedrock's Converse API, locally: `POST /model/{modelId}/converse`.

The local stack points the Bedrock adapter (`sellerflow.messages.drafting.BedrockDrafter`, boto3
`bedrock-runtime`) here. Every prompt it receives is appended, whole, to a JSON-lines file
(`prompts_path`, printed by the demo), so that tests and the demo can scan exactly what a model
would have seen; the reply is the deterministic template drafter's answer to that prompt.
"""

from __future__ import annotations

import json
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sellerflow.messages.drafting import DraftPrompt, TemplateDrafter

PREFIX = "/model/"
SUFFIX = "/converse"


class BedrockStandIn:
    def __init__(self, prompts_path: Path | None = None) -> None:
        self._path = prompts_path
        self._lock = threading.Lock()
        self._drafter = TemplateDrafter()

    @property
    def prompts_path(self) -> Path:
        """The JSON-lines file of prompts (a fresh temporary folder's, made on first use)."""
        with self._lock:
            if self._path is None:
                self._path = Path(tempfile.mkdtemp(prefix="sellerflow-bedrock-")) / "prompts.jsonl"
            return self._path

    def handles(self, path: str) -> bool:
        return path.startswith(PREFIX) and path.endswith(SUFFIX)

    def prompts(self) -> list[dict[str, Any]]:
        if self._path is None or not self.prompts_path.exists():
            return []
        return [
            json.loads(line) for line in self.prompts_path.read_text(encoding="utf-8").splitlines() if line
        ]

    def converse(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        model_id = unquote(path[len(PREFIX) : -len(SUFFIX)])
        try:
            request = json.loads(body or b"{}")
            system = "\n".join(block.get("text", "") for block in request.get("system", []))
            user = "\n".join(
                block.get("text", "")
                for message in request.get("messages", [])
                if message.get("role") == "user"
                for block in message.get("content", [])
            )
        except (ValueError, AttributeError):
            return 400, {"message": "malformed Converse request"}
        intent = next(
            (line[len("Intent: ") :] for line in user.splitlines() if line.startswith("Intent: ")), "other"
        )
        record = {"at": datetime.now(UTC).isoformat(), "model_id": model_id, "system": system, "user": user}
        target = self.prompts_path
        with self._lock:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        text = self._drafter.draft(DraftPrompt(system=system, user=user, intent=intent))
        return 200, {
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": len((system + user).split()), "outputTokens": len(text.split()),
                      "totalTokens": len((system + user + text).split())},
            "metrics": {"latencyMs": 1},
        }  # fmt: skip
