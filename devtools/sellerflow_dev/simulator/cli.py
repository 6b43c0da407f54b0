"""`sellerflow sim`: run the SP-API simulator until SIGINT/SIGTERM.

The first line on stdout is the JSON startup line (endpoints, app credentials, sellers and their
refresh tokens), flushed at once so a parent process can read it and connect.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from sellerflow_dev.simulator.faults import SimConfig
from sellerflow_dev.simulator.server import SimServer
from sellerflow_dev.simulator.world import SimWorld


def add_sim_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `sim` subcommand on an `argparse` subparsers object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sim", help="Run the local SP-API + LWA simulator.", description=__doc__
    )
    _add_arguments(parser)
    parser.set_defaults(func=run_sim)
    return parser


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = SimConfig()
    parser.add_argument("--host", default="127.0.0.1", help="Interface to bind (default 127.0.0.1).")
    parser.add_argument("--port", type=int, default=0, help="Port to bind; 0 picks a free one.")
    parser.add_argument("--sellers", type=int, default=3, help="Number of simulated sellers.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the simulated world.")
    parser.add_argument("--fault-rate-500", type=float, default=defaults.fault_rate_500)
    parser.add_argument("--fault-rate-503", type=float, default=defaults.fault_rate_503)
    parser.add_argument("--slow-ms", type=int, default=defaults.slow_ms)
    parser.add_argument("--slow-rate", type=float, default=defaults.slow_rate)
    parser.add_argument("--token-ttl-s", type=int, default=defaults.token_ttl_s)
    parser.add_argument("--rate-scale", type=float, default=defaults.rate_scale)
    parser.add_argument("--burst-override", type=int, default=defaults.burst_override)
    parser.add_argument("--verbose", action="store_true", help="Log every request on stderr.")


def config_from_args(args: argparse.Namespace) -> SimConfig:
    return SimConfig(
        fault_rate_500=args.fault_rate_500,
        fault_rate_503=args.fault_rate_503,
        slow_ms=args.slow_ms,
        slow_rate=args.slow_rate,
        token_ttl_s=args.token_ttl_s,
        rate_scale=args.rate_scale,
        burst_override=args.burst_override,
        verbose=args.verbose,
    )


def run_sim(args: argparse.Namespace) -> int:
    """Start the simulator, print the startup line, serve until SIGINT/SIGTERM; returns an exit code."""
    world = SimWorld.generate(sellers=args.sellers, seed=args.seed)
    server = SimServer(world, config=config_from_args(args), host=args.host, port=args.port)
    stopping = threading.Event()

    def request_stop(_signum: int, _frame: object) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    server.start()
    try:
        sys.stdout.write(json.dumps(server.startup_line()) + "\n")
        sys.stdout.flush()
        while not stopping.wait(0.5):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sellerflow sim", description=__doc__)
    _add_arguments(parser)
    return run_sim(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
