"""Operator commands of the seller's data rights (`sellerflow seller ...`, `sellerflow buyer-request ...`).

They run with the operator's AWS credentials against the deployment the environment names (the same
variables the functions read: SELLERS_TABLE, ERASE_STATE_MACHINE_ARN, ...; locally AWS_ENDPOINT_URL
points boto3 at the local stack). Without ERASE_STATE_MACHINE_ARN the erase-seller machine is found
by its name (`...-erase-seller`).
"""

from __future__ import annotations

import argparse
import getpass
import json
import uuid
from typing import Any

from sellerflow.privacy.models import is_seller_id


def add_privacy_parsers(sub: Any) -> None:
    seller = sub.add_parser("seller", help="operator actions on one seller (erase, disconnect)")
    seller_sub = seller.add_subparsers(dest="seller_command", required=True)
    erase = seller_sub.add_parser("erase", help="start the erase-seller workflow for a seller")
    erase.add_argument("seller_id")
    disconnect = seller_sub.add_parser("disconnect", help="stop syncing and delete the refresh token")
    disconnect.add_argument("seller_id")
    disconnect.add_argument("--erase-data", action="store_true", help="then erase everything stored")
    for p in (erase, disconnect):
        p.add_argument("--reason", default="", help="why (recorded in the audit log; no personal data)")
        p.add_argument("--actor", default=None, help="who asks (default: operator:<login>)")
        p.add_argument("--state-machine-arn", default=None, help="erase-seller machine (default: found)")
        p.add_argument("--wait", action="store_true", help="wait for the execution and print its result")

    buyer = sub.add_parser("buyer-request", help="a buyer's data request for one order")
    buyer_sub = buyer.add_subparsers(dest="buyer_command", required=True)
    delete = buyer_sub.add_parser("delete", help="delete everything of an order and never store it again")
    delete.add_argument("--seller", required=True)
    delete.add_argument("--order", required=True)
    delete.add_argument("--actor", default=None)
    delete.add_argument("--reason", default="buyer deletion request")


def _actor(given: str | None) -> str:
    return given or f"operator:{getpass.getuser()}"


def _erase_machine(given: str | None) -> str:
    import boto3

    from sellerflow.settings import get_settings

    if given:
        return given
    if get_settings().erase_state_machine_arn:
        return get_settings().erase_state_machine_arn
    sfn = boto3.client("stepfunctions")
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if str(machine["name"]).endswith("-erase-seller"):
                return str(machine["stateMachineArn"])
    raise SystemExit(
        "no erase-seller state machine found: set ERASE_STATE_MACHINE_ARN or --state-machine-arn"
    )


def run_seller(args: argparse.Namespace) -> int:
    import time

    from sellerflow.privacy.service import start_erasure
    from sellerflow.store.privacy import Workflows

    if not is_seller_id(args.seller_id):
        raise SystemExit("seller id must be 1-64 characters of [A-Za-z0-9_-]")
    erase_data = args.seller_command == "erase" or bool(args.erase_data)
    workflows = Workflows()
    reason = args.reason or (
        "operator erasure (sellerflow seller erase)" if erase_data else "operator disconnect"
    )
    arn = start_erasure(
        workflows,
        _erase_machine(args.state_machine_arn),
        args.seller_id,
        requested_by=_actor(args.actor),
        request_id=uuid.uuid4().hex,
        reason=reason,
        erase_data=erase_data,
    )
    print(json.dumps({"execution_arn": arn, "seller_id": args.seller_id, "erase_data": erase_data}))
    if not args.wait:
        return 0
    while True:
        described = workflows.client.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            print(json.dumps({"status": described["status"], "output": described.get("output")}))
            return 0 if described["status"] == "SUCCEEDED" else 1
        time.sleep(1)


def run_buyer_request(args: argparse.Namespace) -> int:
    from sellerflow.privacy.buyer import delete_buyer_order_data
    from sellerflow.store.audit import AuditLog
    from sellerflow.store.facts import FactStore
    from sellerflow.store.facts_control import DirtyDays
    from sellerflow.store.orders import OrderStore
    from sellerflow.store.privacy import PartitionStore, restrict_order
    from sellerflow.wiring import bound_settings, history_archive

    settings = bound_settings()
    archive = history_archive(settings)
    result = delete_buyer_order_data(
        args.seller,
        args.order,
        requested_by=_actor(args.actor),
        store=PartitionStore.from_settings(settings),
        restrict=restrict_order,
        dirty=DirtyDays(),
        audit=AuditLog(),
        reason=args.reason,
        archive=archive.objects,  # the order may be past the hot window, in S3
        transactions=FactStore(),  # its transactions in the finance chunks
        # its versions in the order chunks, found past its ORDERID# item's TTL by the archive's index
        orders=OrderStore(history=archive),
    )
    print(
        json.dumps(
            {
                "seller_id": result.seller_id,
                "order_id": result.order_id,
                "deleted": {
                    "orders": result.orders,
                    "finance_transactions": result.finance_transactions,
                    "settlement_lines": result.settlement_lines,
                    "pii_items": result.pii_items,
                    "archived_days": result.archived_days,
                },
                "restricted": True,
            }
        )
    )
    return 0
