"""The 90-day dashboard is served from the rollups: count its DynamoDB requests (target: at most 3).

Runs the real API route against moto with 180 days x 3 marketplaces of rollups written; the
membership check and the audit write are not counted (they are the same for every route).
"""

from __future__ import annotations

import sys


def main() -> int:
    from sellerflow_dev.bench.dashboard_world import dashboard_90d_ddb_requests

    requests = dashboard_90d_ddb_requests()
    print(f"BENCH dashboard_90d_ddb_requests {requests} requests", flush=True)
    print(f"BENCH dashboard_90d_ddb_requests_target_met {int(requests <= 3)} bool", flush=True)
    return 0 if requests <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
