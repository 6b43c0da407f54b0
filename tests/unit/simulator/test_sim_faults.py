"""Scripted and random faults, and the runtime config they come from."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sellerflow_dev.simulator import SimConfig
from sellerflow_dev.simulator.faults import FaultInjector, fault_error


def test_fail_calls_fails_exactly_the_nth_call_of_that_operation() -> None:
    injector = FaultInjector(seed=1, config=SimConfig(fail_calls=[("searchOrders", 2, 500)]))
    statuses = [injector.decide("searchOrders").status for _ in range(4)]
    assert statuses == [None, 500, None, None]
    assert injector.decide("getOrder").status is None


def test_setting_fail_calls_again_restarts_the_count() -> None:
    injector = FaultInjector(seed=1, config=SimConfig())
    injector.decide("searchOrders")
    injector.decide("searchOrders")
    injector.reconfigure(SimConfig(fail_calls=[("searchOrders", 1, 503)]))
    assert injector.decide("searchOrders").status == 503
    assert injector.decide("searchOrders").status is None


def test_random_faults_follow_their_rates_and_the_seed() -> None:
    config = SimConfig(fault_rate_500=0.2, fault_rate_503=0.1)
    injector_a, injector_b = FaultInjector(5, config), FaultInjector(5, config)
    run_a = [injector_a.decide("getOrder").status for _ in range(2000)]
    run_b = [injector_b.decide("getOrder").status for _ in range(2000)]
    assert run_a == run_b
    assert run_a != [FaultInjector(6, config).decide("getOrder").status for _ in range(2000)]
    assert 300 < run_a.count(500) < 500
    assert 130 < run_a.count(503) < 270


def test_slow_calls_get_the_configured_delay() -> None:
    injector = FaultInjector(seed=5, config=SimConfig(slow_ms=250, slow_rate=1.0))
    decision = injector.decide("getOrder")
    assert decision.delay_s == 0.25
    assert decision.status is None


def test_hung_calls_wait_past_the_timeout_scripted_or_at_their_rate() -> None:
    scripted = FaultInjector(seed=5, config=SimConfig(hang_s=3.0, hang_calls=[("getOrder", 2)]))
    assert [scripted.decide("getOrder").delay_s for _ in range(3)] == [0.0, 3.0, 0.0]
    random_hangs = FaultInjector(seed=5, config=SimConfig(hang_s=3.0, hang_rate=0.1))
    delays = [random_hangs.decide("getOrder").delay_s for _ in range(1000)]
    assert set(delays) == {0.0, 3.0}
    assert 50 < delays.count(3.0) < 150
    assert random_hangs.hangs == delays.count(3.0)
    # Off, the draw is skipped: the other faults of a seed fall as they did before hangs existed
    plain = SimConfig(fault_rate_500=0.3)
    before, after = FaultInjector(7, plain), FaultInjector(7, plain.merged({"hang_s": 9.0}))
    assert [before.decide("getOrder").status for _ in range(200)] == [
        after.decide("getOrder").status for _ in range(200)
    ]


def test_config_merges_updates_and_rejects_bad_values() -> None:
    config = SimConfig(token_ttl_s=60).merged({"burst_override": 2, "fail_calls": [["getOrder", 3, 503]]})
    assert config.token_ttl_s == 60
    assert config.burst_override == 2
    assert config.fail_calls == [("getOrder", 3, 503)]
    with pytest.raises(ValidationError):
        config.merged({"fault_rate_500": 1.5})
    with pytest.raises(ValidationError):
        config.merged({"no_such_knob": 1})


def test_fault_bodies_use_the_sp_api_error_shape() -> None:
    assert fault_error(503)["errors"][0]["code"] == "ServiceUnavailable"
    assert fault_error(500)["errors"][0]["code"] == "InternalFailure"
    assert fault_error(502)["errors"][0]["message"]


def test_damaged_documents_are_cut_short_or_corrupt_and_fail_to_inflate() -> None:
    import gzip
    import random
    import zlib

    from sellerflow_dev.simulator.faults import damage

    whole = gzip.compress(b"order-id\tsku\n" * 500)
    rng = random.Random(3)
    kinds = set()
    for _ in range(20):
        damaged = damage(whole, rng)
        assert damaged != whole
        kinds.add("short" if len(damaged) < len(whole) else "corrupt")
        with pytest.raises((EOFError, OSError, zlib.error)):
            gzip.decompress(damaged)
    assert kinds == {"short", "corrupt"}


def test_random_transfer_faults_follow_their_rate_and_seed() -> None:
    from sellerflow_dev.simulator.faults import RandomFaults

    a, b = RandomFaults(7, "lwa"), RandomFaults(7, "lwa")
    run_a = [a.strikes(0.25) for _ in range(1000)]
    assert run_a == [b.strikes(0.25) for _ in range(1000)]
    assert 180 < sum(run_a) < 320
    assert not any(RandomFaults(7, "lwa").strikes(0.0) for _ in range(100))
    assert RandomFaults(7, "documents").damaged(b"abc", 0.0) == b"abc"
