"""`verified history_archive <seller> …`: the history archive job, run as deployed (the
ArchiveHistory function, the seller's tenant session) on the first demo seller, checked against
what DynamoDB held before and what S3 holds after."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from botocore.config import Config

from sellerflow_dev.local.stack import LocalStack


def verify_history_archive(stack: LocalStack, say: Callable[[str], None]) -> bool:
    from sellerflow import wiring
    from sellerflow.calendar import archive_cutoff, utc_span
    from sellerflow.store.facts import FactStore
    from sellerflow.store.history import HistoryArchive, HistoryObjects
    from sellerflow.store.history_index import OrderIndex
    from sellerflow.store.orders import OrderStore

    assert stack.resources is not None
    function = stack.resources.functions["ArchiveHistoryFunction"]
    settings = wiring.settings()
    seller = stack.world.sellers[0].seller_id
    now = datetime.now(UTC)
    cutoff = archive_cutoff(now, settings.history_hot_days)
    old = [o for o in wiring.order_store().all_for_seller(seller) if o.local_date < cutoff]
    # a day the archive takes: its rollup inputs as read before (orders and transactions)
    sample = max(old, key=lambda o: o.local_date) if old else None
    # the readers as the deployed functions build them: this bucket, this key, this hot window
    objects = HistoryObjects(
        function.environment["RAW_BUCKET"], kms_key_id=function.environment["DATA_KEY_ID"]
    )
    archive = HistoryArchive(objects, hot_days=settings.history_hot_days)
    facts = FactStore(history=archive)

    def day_inputs() -> tuple[list[str], list[str]]:
        if sample is None:
            return [], []
        start, end = utc_span(sample.marketplace_id, sample.local_date)
        orders = facts.orders_purchased(seller, sample.marketplace_id, start, end)
        txs = facts.finance_transactions(seller, start, end, marketplace_id=sample.marketplace_id)
        return sorted(o.model_dump_json() for o in orders), sorted(t.transaction_id for t in txs)

    before = day_inputs()
    # one attempt, waited for as long as the function may run: botocore's default 60 s read timeout
    # would re-invoke a slow run on a loaded machine, and the second run finds nothing left to archive
    client = stack.session.client(
        "lambda", config=Config(read_timeout=900, retries={"total_max_attempts": 1})
    )
    answer = client.invoke(FunctionName=function.arn, Payload=json.dumps({"seller_id": seller}).encode())
    result = json.loads(answer["Payload"].read())
    days = objects.days(seller)
    archived = set()
    for marketplace_id, day in days:
        stored = objects.get(seller, marketplace_id, day)
        archived |= set(stored.orders) if stored is not None else set()
    left = [o for o in wiring.order_store().all_for_seller(seller) if o.local_date < cutoff]
    after = day_inputs()
    # the archived order, by its id alone (`GET /orders/{orderId}`): through the archive's order-id
    # index (its shard names the order's day), as it was
    index = OrderIndex(objects)
    shards = index.shards(seller)
    by_id = (
        sample is not None
        and index.locate(seller, sample.order_id) == (sample.marketplace_id, sample.local_date)
        and OrderStore(history=archive).get(seller, sample.order_id) == sample
    )
    ok = (
        by_id
        and bool(old)
        and result.get("orders_archived") == len(old)
        and archived == {o.order_id for o in old}
        and not left
        and before == after
        and before != ([], [])
    )
    say(
        f"{'verified' if ok else 'MISMATCH'} history_archive {seller} hot_days={settings.history_hot_days} "
        f"orders_older={len(old)} archived={result.get('orders_archived')} in_objects={len(archived)} "
        f"transactions={result.get('transactions_archived')} objects={len(days)} items_left={len(left)} "
        f"day_reread={'equal' if before == after else 'different'} index_shards={shards} "
        f"by_id={'found' if by_id else 'missing'}"
    )
    return ok
