"""The API under load on the local stack: latency percentiles at 50 concurrent users, errors, and
DynamoDB requests per call for a 90-day and a 540-day history (they must be equal: constant in the
size of the seller's history). `--users` and `--requests` bound the run (defaults: 50 and 1,000)."""

from __future__ import annotations

import argparse
import sys


def main() -> int:
    from sellerflow_dev.bench.api_load_world import LONG_SELLER, SHORT_SELLER, run

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    result = run(args.users, args.requests)
    short, long = result["per_call"][SHORT_SELLER], result["per_call"][LONG_SELLER]
    for route in short:
        print(f"BENCH api_ddb_requests_{route} {long[route]} requests", flush=True)
    constant = all(short[r] == long[r] for r in short)
    print(f"BENCH api_ddb_requests_constant_in_history {int(constant)} bool", flush=True)
    single, loaded = result["single"], result["loaded"]
    print(f"BENCH api_service_p50_ms {single.percentile(50):.1f} ms", flush=True)
    print(f"BENCH api_service_p95_ms {single.percentile(95):.1f} ms", flush=True)
    for p in (50, 95, 99):
        print(f"BENCH api_load_p{p}_ms {loaded.percentile(p):.1f} ms", flush=True)
    print(f"BENCH api_load_requests {len(loaded.latencies_ms)} requests", flush=True)
    print(f"BENCH api_load_users {args.users} users", flush=True)
    print(f"BENCH api_load_errors {loaded.failed} requests", flush=True)
    print(f"BENCH api_load_throughput {len(loaded.latencies_ms) / loaded.wall_s:.1f} requests/s", flush=True)
    print(f"per-call requests: short={short} long={long}; statuses={dict(loaded.statuses)}", file=sys.stderr)
    return 0 if constant and loaded.failed == 0 and single.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
