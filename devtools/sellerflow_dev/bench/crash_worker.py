"""The process the crash trials kill: one seller's orders sync, as the seller-sync workflow runs it.

It calls the SyncOrders Lambda handler (functions/sync_orders/app.py) page after page with the
workflow's input, then records the run's success as RecordSyncResult does. AWS (moto) and Amazon
(the simulator) live in the parent process and outlive this one, as DynamoDB and Amazon outlive a
Lambda; the environment (endpoints, table names) is the parent's local stack's.

Usage: python -m sellerflow_dev.bench.crash_worker <seller_id> <run_id>
Prints `committed <pages>` after each page and `done` at the end.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from sellerflow_dev.local.lambdas import LocalLambdaContext
from sellerflow_dev.local.stack import project_root


def _handler(function_dir: str) -> Any:
    path = Path(project_root()) / "functions" / function_dir / "app.py"
    spec = importlib.util.spec_from_file_location(f"crash_worker_{function_dir}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lambda_handler


def run_orders_sync(seller_id: str, run_id: str) -> int:
    """The workflow's orders loop (SyncOrdersPage until has_more is false); returns the pages."""
    from sellerflow import wiring

    handler = _handler("sync_orders")
    context = LocalLambdaContext(
        function_name="SyncOrders",
        memory_limit_in_mb=512,
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:SyncOrders",
        timeout_s=60,
        log_group_name="/aws/lambda/SyncOrders",
    )
    token: str | None = None
    pages = 0
    while True:
        out = handler({"seller_id": seller_id, "run_id": run_id, "pagination_token": token}, context)
        pages += 1
        print(f"committed {pages}", flush=True)
        if not out["has_more"]:
            break
        token = out["pagination_token"]
    wiring.seller_store().finish_run(seller_id, outcome="succeeded", error=None)
    return pages


def main() -> int:
    seller_id, run_id = sys.argv[1], sys.argv[2]
    run_orders_sync(seller_id, run_id)
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
