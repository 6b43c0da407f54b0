"""The fault campaign: for several seeds, a full sync with every fault on converges to the truth.

Prints:
  BENCH chaos_seeds <n> seeds                seeds whose sync converged to the simulator's truth
  BENCH chaos_lost_rows <n> rows             rows of the truth missing or different after the last run
  BENCH chaos_duplicate_rows <n> rows        rows stored twice or over-counted after the last run
  BENCH chaos_runs_max <n> runs              the most scheduled runs a seed needed to converge
  BENCH chaos_faults_injected <n> count      500/503s, 429s and Lambda deaths met over all seeds
  BENCH chaos_hangs <n> count                calls that hung past the client's timeout, all seeds
  BENCH chaos_duplicate_deliveries <n> count Lambda invocations and SQS notifications delivered twice
  BENCH chaos_campaign_s <n> s               wall time

Usage: python devtools/sellerflow_dev/bench/chaos_bench.py [--seeds N] [--sellers N]
See `chaos_campaign` for the faults and the checks.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--sellers", type=int, default=1)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")
    import warnings

    warnings.filterwarnings("ignore")
    from sellerflow_dev.bench.chaos_campaign import run_seed

    started = time.perf_counter()
    results = []
    for seed in range(101, 101 + args.seeds):
        say = (
            (lambda line: print(line, file=sys.stderr, flush=True)) if args.verbose else (lambda _line: None)
        )
        result = run_seed(seed, sellers=args.sellers, say=say)
        results.append(result)
        print(  # as each seed ends: a campaign cut short keeps what it found
            f"seed {result.seed}: converged={result.converged} runs={result.runs} lost={result.lost} "
            f"duplicates={result.duplicates} {result.seconds:.0f}s",
            file=sys.stderr,
            flush=True,
        )
    converged = [r for r in results if r.converged]
    print(f"BENCH chaos_seeds {len(converged)} seeds")
    print(f"BENCH chaos_lost_rows {sum(r.lost for r in results)} rows")
    print(f"BENCH chaos_duplicate_rows {sum(r.duplicates for r in results)} rows")
    print(f"BENCH chaos_runs_max {max((r.runs for r in results), default=0)} runs")
    print(f"BENCH chaos_faults_injected {sum(r.faults + r.throttled + r.deaths for r in results)} count")
    print(f"BENCH chaos_hangs {sum(r.hangs for r in results)} count")
    twice = sum(r.duplicated_invokes + r.duplicated_notifications for r in results)
    print(f"BENCH chaos_duplicate_deliveries {twice} count")
    print(f"BENCH chaos_campaign_s {time.perf_counter() - started:.1f} s")
    for r in results:
        print(
            f"seed {r.seed}: converged={r.converged} runs={r.runs} lost={r.lost} duplicates={r.duplicates} "
            f"500/503={r.faults} 429={r.throttled} deaths={r.deaths} hangs={r.hangs} "
            f"invokes_twice={r.duplicated_invokes} notifications_twice={r.duplicated_notifications} "
            f"{r.seconds:.0f}s"
        )
    for r in results:
        if not r.converged:
            failures = [f for c in r.checks for f in c.failures]
            print(f"seed {r.seed}: lost={r.lost} duplicates={r.duplicates} {failures}", file=sys.stderr)
    return 0 if len(converged) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
