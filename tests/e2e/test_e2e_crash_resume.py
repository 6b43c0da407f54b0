"""Smoke of `make bench`'s crash-and-resume campaign: one seller's sync process SIGKILLed mid-run,
restarted, converges to the simulator's orders (the bench runs 20 trials)."""

from __future__ import annotations

import random
from collections.abc import Callable

from sellerflow_dev.bench.crash_resume_bench import PAGE_SIZE, run_trial
from sellerflow_dev.local.stack import LocalStack
from sellerflow_dev.simulator import SimConfig


def test_a_sync_process_killed_mid_run_is_resumed_by_the_next_run_and_converges(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given a seller never synced whose orders come in pages of 5, in no time order
    stack = local_stack(
        sellers=1,
        sim_config=SimConfig(rate_scale=100.0, report_processing_s=0.5),
        extra_env={"ORDERS_PAGE_SIZE": PAGE_SIZE},
    )
    seller = stack.world.sellers[0]
    # When its sync process is killed with SIGKILL after a few pages, and the next run goes to the end
    trial = run_trial(stack, seller.seller_id, 0, random.Random("smoke"))
    # Then the kill landed mid-run, the next run took over the killed run's token, and every order is
    # stored once, equal to Amazon's
    assert trial.killed_mid_run
    assert trial.resumed
    assert trial.converged, trial.detail
