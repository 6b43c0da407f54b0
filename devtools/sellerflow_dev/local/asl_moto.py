"""What the local runtime changes in a state machine definition so that moto can run it.

moto (5.2) executes a Distributed Map with an S3 ItemReader and a ResultWriter, but its ASL parser
refuses two things AWS accepts:

- `"ExecutionType": "EXPRESS"` in a Distributed Map's ProcessorConfig: its grammar knows only
  STANDARD. Locally the child executions run as STANDARD; they are one Lambda task each, so the
  workflow behaves the same (AWS runs them as Express, which only changes price and history).
- an integer `ToleratedFailurePercentage`: its grammar wants a decimal number (10 -> 10.0, the same
  value). moto also ignores the tolerance when it runs the map; the fanout's batch Lambda (each
  seller in its own try) and its Catch per batch are what isolate a failing seller, locally and in AWS.

moto's ResultWriter writes only the manifest (no per-item result files), so the local runtime reads
which seller syncs a tick started from the seller-sync executions (`LocalStack.run_sync`).
Everything else of the definition reaches moto unchanged.

A top-level Express machine (the hourly `seller-sync-hourly`) needs no change: moto stores
`type=EXPRESS` and runs it with `execute_state_machine` like a Standard one, intrinsic functions
(`States.MathAdd`, `States.ArrayLength`) included. It differs from AWS in two ways the tests allow
for: it keeps Express executions (so `LocalStack` can follow and describe them, which AWS cannot),
and it refuses a second start of an execution name as for Standard (AWS's Express starts another
run: the seller + window claim, `SellerStore.claim_window`, is what prevents that, tested on its own).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


def for_moto(definition: str) -> str:
    document = json.loads(definition)
    for state in _states(document):
        if state.get("Type") != "Map":
            continue
        config = (state.get("ItemProcessor") or {}).get("ProcessorConfig") or {}
        if config.get("ExecutionType") == "EXPRESS":
            config["ExecutionType"] = "STANDARD"
        tolerated = state.get("ToleratedFailurePercentage")
        if isinstance(tolerated, int):
            state["ToleratedFailurePercentage"] = float(tolerated)
    return json.dumps(document)


def _states(machine: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every state, nested ones (Map processors, Parallel branches) included."""
    for state in (machine.get("States") or {}).values():
        yield state
        for inner in (state.get("ItemProcessor"), state.get("Iterator"), *(state.get("Branches") or [])):
            if inner:
                yield from _states(inner)
