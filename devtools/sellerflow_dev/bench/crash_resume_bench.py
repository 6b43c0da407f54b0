"""Crash and resume: a sync process killed (SIGKILL) at a random moment, restarted, converges.

Each trial takes a seller never synced (60 days of orders, pages of 5, which the simulator returns
in no time order, as Amazon may) and starts its orders sync in a worker process
(`crash_worker`: the SyncOrders Lambda handler, page by page, as the workflow drives it). After a
random number of committed pages and a random fraction of a page more, the worker is killed with
SIGKILL, mid-fetch or mid-write. The next scheduled run (a new worker, a new run id) then runs to
its end; the trial converges when the seller's stored orders equal the simulator's, field by field,
with none missing and none extra. moto (DynamoDB, KMS, STS, ...) and the simulator run in this
process and outlive the workers, as AWS and Amazon outlive a Lambda.

Prints:
  BENCH crash_resume_converged <n>/<trials> trials   trials whose seller converged to the truth
  BENCH crash_resume_killed_mid_run <n> trials       kills that landed while the worker was mid-run
  BENCH crash_resume_resumed_runs <n> runs           restarted runs that took over the killed run's token
  BENCH crash_resume_s <n> s                         wall time

Usage: python devtools/sellerflow_dev/bench/crash_resume_bench.py [--trials N] [--seed S]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sellerflow_dev.local.stack import LocalStack

PAGE_SIZE = "5"


@dataclass
class Trial:
    seller_id: str
    killed_mid_run: bool
    resumed: bool
    converged: bool
    detail: str = ""


def _worker(seller_id: str, run_id: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,  # the local stack's endpoints and table names
        "ORDERS_PAGE_SIZE": PAGE_SIZE,
        "POWERTOOLS_LOG_LEVEL": "CRITICAL",
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
    }
    return subprocess.Popen(  # noqa: S603 - this interpreter running our own worker module
        [sys.executable, "-m", "sellerflow_dev.bench.crash_worker", seller_id, run_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def _kill_mid_run(worker: subprocess.Popen[str], rng: random.Random) -> bool:
    """SIGKILL after a random number of committed pages and a random moment of the next; returns
    whether the worker was still running (a kill mid-run)."""
    assert worker.stdout is not None
    after_pages = rng.randint(1, 8)
    for line in worker.stdout:
        if line.startswith("committed") and int(line.split()[1]) >= after_pages:
            break
        if line.startswith("done"):
            break
    time.sleep(rng.uniform(0.0, 0.25))
    alive = worker.poll() is None
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    return alive


def run_trial(stack: LocalStack, seller_id: str, index: int, rng: random.Random) -> Trial:
    """Kill the seller's first sync mid-run, let the next run finish, compare with the truth."""
    from sellerflow import wiring
    from sellerflow_dev.local.verify import verify_orders

    world = stack.world
    killed_mid_run = _kill_mid_run(_worker(seller_id, f"trial-{index}-a"), rng)
    left = wiring.seller_store().sync_state(seller_id).run
    resumable = left is not None and left.next_token is not None
    finisher = _worker(seller_id, f"trial-{index}-b")
    output, _ = finisher.communicate(timeout=300)
    check = verify_orders(
        seller_id, list(wiring.order_store().all_for_seller(seller_id)), world.orders(seller_id)
    )
    converged = finisher.returncode == 0 and "done" in output and check.ok
    detail = f"stored={check.stored} source={check.source} missing={len(check.missing)} different={len(check.different)}"
    return Trial(seller_id, killed_mid_run, resumable, converged, detail)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=29)
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")
    import warnings

    warnings.filterwarnings("ignore")
    from sellerflow_dev.local.stack import LocalStack, LocalStackConfig
    from sellerflow_dev.simulator import SimConfig

    started = time.perf_counter()
    rng = random.Random(f"{args.seed}:kills")
    config = LocalStackConfig(
        sellers=args.trials,
        seed=args.seed,
        sim_config=SimConfig(rate_scale=100.0, report_processing_s=0.5),
        extra_env={"ORDERS_PAGE_SIZE": PAGE_SIZE},
    )
    trials: list[Trial] = []
    with LocalStack(config) as stack:
        stack.connect_demo_sellers()
        for index, seller in enumerate(stack.world.sellers):
            trials.append(run_trial(stack, seller.seller_id, index, rng))
    converged = sum(t.converged for t in trials)
    print(f"BENCH crash_resume_converged {converged}/{len(trials)} trials")
    print(f"BENCH crash_resume_killed_mid_run {sum(t.killed_mid_run for t in trials)} trials")
    print(f"BENCH crash_resume_resumed_runs {sum(t.resumed for t in trials)} runs")
    print(f"BENCH crash_resume_s {time.perf_counter() - started:.1f} s")
    for t in trials:
        if not t.converged:
            print(f"not converged {t.seller_id}: {t.detail}", file=sys.stderr)
    return 0 if converged == len(trials) else 1


if __name__ == "__main__":
    sys.exit(main())
