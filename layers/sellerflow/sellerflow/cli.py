"""The `sellerflow` command: the simulator, the local stack and the demo."""

from __future__ import annotations

import argparse
import sys

from sellerflow.simulator.cli import add_sim_parser, run_sim


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sellerflow", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    add_sim_parser(sub)

    local = sub.add_parser("local", help="run the whole stack locally (moto + simulator + API)")
    local_sub = local.add_subparsers(dest="local_command", required=True)
    for name, help_text in (
        ("demo", "connect demo sellers, sync them, verify, then serve the API until Ctrl-C"),
        ("up", "start the stack and serve the API with the schedule firing (no initial sync)"),
    ):
        p = local_sub.add_parser(name, help=help_text)
        p.add_argument("--sellers", type=int, default=3)
        p.add_argument("--seed", type=int, default=7)
        p.add_argument("--api-port", type=int, default=8000)
        p.add_argument("--time-scale", type=float, default=60.0, help="Step Functions waits run N× faster")
        p.add_argument("--once", action="store_true", help="sync once, print verified lines, exit")

    args = parser.parse_args(argv)
    if args.command == "sim":
        return run_sim(args)
    if args.command == "local":
        from sellerflow.local.demo import run_demo
        from sellerflow.local.stack import LocalStackConfig

        config = LocalStackConfig(
            sellers=args.sellers, seed=args.seed, api_port=args.api_port, time_scale=args.time_scale
        )
        if args.local_command == "demo":
            return run_demo(config, once=args.once)
        return _up(config)
    return 2


def _up(config: object) -> int:
    import time

    from sellerflow.local.stack import LocalStack, LocalStackConfig

    assert isinstance(config, LocalStackConfig)
    with LocalStack(config) as stack:
        stack.connect_demo_sellers()
        stack.start_scheduler()
        assert stack.gateway is not None
        print(f"API: {stack.gateway.url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
