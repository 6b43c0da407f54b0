"""The `sellerflow` command: the simulator, the local stack and the demo."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sellerflow_dev.privacy_cli import add_privacy_parsers, run_buyer_request, run_seller
from sellerflow_dev.simulator.cli import add_sim_parser, run_sim


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sellerflow", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    add_sim_parser(sub)
    add_privacy_parsers(sub)  # seller erase|disconnect, buyer-request delete

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

    inbound = local_sub.add_parser(
        "inbound-email", help="deliver a buyer mail (.eml) to a running local stack exactly as SES would"
    )
    inbound.add_argument("--seller", required=True, help="the seller whose inbound address receives it")
    inbound.add_argument("eml", type=Path, help="the raw MIME file")

    audit = sub.add_parser("audit", help="the audit log (AWS, or the local stack via AWS_ENDPOINT_URL)")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="walk a seller's hash chain; exit 1 if it is broken")
    verify.add_argument("--seller", required=True, help="the seller id whose chain to verify")

    args = parser.parse_args(argv)
    if args.command == "audit":
        return _audit_verify(args.seller)
    if args.command == "sim":
        return run_sim(args)
    if args.command == "seller":
        return run_seller(args)
    if args.command == "buyer-request":
        return run_buyer_request(args)
    if args.command == "local" and args.local_command == "inbound-email":
        from sellerflow_dev.local.inbound_email import run as deliver_inbound_email

        return deliver_inbound_email(args.seller, args.eml)
    if args.command == "local":
        from sellerflow_dev.local.demo import run_demo
        from sellerflow_dev.local.stack import LocalStackConfig

        config = LocalStackConfig(
            sellers=args.sellers,
            seed=args.seed,
            api_port=args.api_port,
            time_scale=args.time_scale,
            billing=True,  # the demo runs as a hosted deployment: plans, Stripe (the stand-in), webhooks
            # The first sync brings every compared day of the overview (Last 90 vs the 90 before): the
            # paced report backfill and the finances' first run (docs/dashboard.md, "The first sync's history").
            extra_env={"REPORT_COMPARISON_HISTORY_DAYS": "180"},
        )
        if args.local_command == "demo":
            return run_demo(config, once=args.once)
        return _up(config)
    return 2


def _audit_verify(seller_id: str) -> int:
    from sellerflow.settings import get_settings
    from sellerflow.store.audit import AuditLog
    from sellerflow.store.tables import bind_tables

    bind_tables(get_settings())
    result = AuditLog().verify(seller_id)
    print(result.summary(), flush=True)
    return 0 if result.ok else 1


def _up(config: object) -> int:
    import time

    from sellerflow_dev.local.stack import LocalStack, LocalStackConfig

    assert isinstance(config, LocalStackConfig)
    with LocalStack(config) as stack:
        stack.connect_demo_sellers()
        stack.start_scheduler()
        assert stack.gateway is not None
        print(f"API: {stack.gateway.url}", flush=True)
        # `sellerflow local inbound-email` (and any AWS CLI) reaches this stack's moto here.
        print(f"AWS_ENDPOINT_URL={stack.moto_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
