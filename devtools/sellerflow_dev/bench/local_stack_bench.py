"""The local stack's own speed: one schedule tick of three demo sellers, with moto as it ships and
with the local runtime's shortcuts (`sellerflow_dev.moto_reads`, `sellerflow_dev.moto_dispatch`).

Everything of the local stack (moto, the simulators, every Lambda) runs in one Python process, so a
sync is bound by that process's CPU; the e2e tests, `make demo` and most benches pay it. Each variant
runs in a fresh interpreter, one after the other in this run, and reports the CPU time of the tick
(the stack's start excluded) and how many Lambda invocations it made: the two must do the same work,
and the runs must succeed. `BENCH local_stack_tick_cpu_s` is the accelerated figure,
`BENCH local_stack_tick_cpu_s_moto` moto's, `BENCH local_stack_speedup` their ratio.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass

# Starts a stack, runs one tick of every seller, prints the tick's CPU seconds and what it did.
PROBE = """
import json, resource, sys
from sellerflow_dev.local.stack import LocalStack, LocalStackConfig

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

with LocalStack(LocalStackConfig(sellers=3, seed=11, time_scale=100.0)) as stack:
    stack.connect_demo_sellers()
    start = cpu()
    reports = stack.run_sync()
    spent = cpu() - start
    invocations = len(stack.dispatcher.invocations) if stack.dispatcher else 0
print(json.dumps({"cpu_s": spent, "statuses": sorted(r.status for r in reports), "invocations": invocations}))
"""


@dataclass(frozen=True)
class Tick:
    cpu_s: float
    statuses: list[str]
    invocations: int


def _tick(acceleration: str) -> Tick:
    env = {**os.environ, "SELLERFLOW_MOTO_ACCELERATION": acceleration}
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=False, timeout=1800
    )
    if done.returncode != 0:
        print(done.stderr[-4000:], file=sys.stderr)
        raise SystemExit(f"the tick with SELLERFLOW_MOTO_ACCELERATION={acceleration} failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return Tick(float(result["cpu_s"]), list(result["statuses"]), int(result["invocations"]))


def main() -> int:
    accelerated = _tick("on")
    try:
        plain = _tick("off")
    except SystemExit as failed:  # moto's own Query can race a write ("dictionary changed size")
        print(f"{failed}; once more", file=sys.stderr)
        plain = _tick("off")
    for name, run in (("accelerated", accelerated), ("moto", plain)):
        print(f"{name}: {run}", file=sys.stderr)
        if set(run.statuses) != {"SUCCEEDED"}:
            print(f"the {name} tick did not succeed: {run.statuses}", file=sys.stderr)
            return 1
    print(f"BENCH local_stack_tick_cpu_s {accelerated.cpu_s:.1f} s")
    print(f"BENCH local_stack_tick_cpu_s_moto {plain.cpu_s:.1f} s")
    print(f"BENCH local_stack_speedup {plain.cpu_s / accelerated.cpu_s:.2f} x")
    print(f"BENCH local_stack_tick_invocations {accelerated.invocations}/{plain.invocations} count")
    return 0


if __name__ == "__main__":
    sys.exit(main())
