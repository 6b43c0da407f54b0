"""Report ingestion benchmark: a 1,000,000-row gzip All Orders document through the whole pipeline.

Prints:
  BENCH ingest_rows_per_s <n> rows/s       decompress → decode → parse → Order → batches of 25 to a CountingSink
  BENCH ingest_peak_rss_mb <n> MB          peak RSS of that pipeline, in a fresh process
  BENCH csv_reader_rows_per_s <n> rows/s   bare csv.reader over the same gzip file (streaming)
  BENCH ingest_vs_csv_reader <ratio> x     pipeline throughput ÷ csv.reader throughput

Usage: python devtools/sellerflow_dev/bench/ingest_bench.py [--rows N] [--repeat R]   (children: --child pipeline|csv FILE)
Each measurement runs in its own fresh process; the best of `--repeat` runs is reported. Rates are
rows ÷ CPU seconds of the measuring process (time.process_time): both passes are single-threaded and
read a file from the page cache, so on an idle machine CPU ≈ wall time, while on a shared machine
CPU time does not swing with other jobs' load. Wall times go to stderr.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPORT_TYPE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
HEADER = [
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "order-channel",
    "url",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "promotion-ids",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
]
CHUNK = 64 * 1024  # bytes per read of the download, like an S3 streaming body read in 64 KiB chunks

_WORDS = [
    "Stainless",
    "Steel",
    "Water",
    "Bottle",
    "Insulated",
    "Kitchen",
    "Organizer",
    "Bamboo",
    "Cutting",
    "Board",
    "Set",
    "LED",
    "Desk",
    "Lamp",
    "Wireless",
    "Charger",
    "Yoga",
    "Mat",
    "Non-Slip",
    "Travel",
    "Backpack",
    "Cotton",
    "Bath",
    "Towels",
    "Ceramic",
    "Coffee",
    "Mug",
    "Phone",
    "Case",
    "Silicone",
    "Baking",
    "Mats",
    "Garden",
    "Hose",
    "Nozzle",
    "Dog",
    "Leash",
    "Reflective",
    "Notebook",
    "Dotted",
    "A5",
    "Hiking",
    "Socks",
]
_CITIES = [
    ("Seattle", "WA", "98101"),
    ("Austin", "TX", "73301"),
    ("Denver", "CO", "80202"),
    ("Miami", "FL", "33101"),
    ("Boston", "MA", "02108"),
    ("Portland", "OR", "97201"),
]


def _lines(rows: int, seed: int = 7) -> Iterator[str]:
    """Synthetic All Orders rows: ~40 % of orders have 2-3 items, written adjacently, by purchase date."""
    rng = random.Random(seed)
    products = []
    for n in range(2000):
        title = " ".join(rng.sample(_WORDS, 5))
        if n % 50 == 0:
            title = f'"{title}, 2-Pack"'  # a quoted cell, as Amazon writes titles with commas/quotes
        cents = rng.randint(499, 8999)
        products.append((title, f"SKU-{n:05d}", f"B0{rng.randrange(16**8):08X}", cents))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    statuses = ["Shipped"] * 80 + ["Unshipped"] * 8 + ["Pending"] * 7 + ["Cancelled"] * 5
    yield "\t".join(HEADER) + "\n"
    written = 0
    mean_gap = 90 * 86400 / (rows / 1.6)  # ~1.6 rows per order; 90 days of orders, in purchase order
    purchased = start
    while written < rows:
        order_id = f"{rng.randint(111, 114)}-{rng.randrange(10**7):07d}-{rng.randrange(10**7):07d}"
        purchased += timedelta(seconds=int(rng.expovariate(1 / mean_gap)))
        updated = purchased + timedelta(seconds=rng.randrange(3 * 86400))
        status = rng.choice(statuses)
        channel = "Amazon" if rng.random() < 0.7 else "Merchant"
        level = "Standard" if rng.random() < 0.85 else "Expedited"
        city, state, postal = rng.choice(_CITIES)
        items = 1 if rng.random() < 0.6 else rng.choice((2, 3))
        business = "true" if rng.random() < 0.05 else "false"
        pd, lu = purchased.isoformat(), updated.isoformat()
        for _ in range(min(items, rows - written)):
            title, sku, asin, cents = rng.choice(products)
            qty = 0 if status == "Cancelled" else rng.choice((1, 1, 1, 2, 3))
            pending = status == "Pending"
            total = cents * qty
            price = "" if pending else f"{total / 100:.2f}"
            tax = "" if pending else f"{total * 0.08 / 100:.2f}"
            ship = "" if pending else ("0.00" if channel == "Amazon" else "4.99")
            promo = "-1.00" if rng.random() < 0.1 and not pending else ("0.00" if not pending else "")
            promo_ids = "Core Free Shipping 2026/01/01" if promo == "-1.00" else ""
            yield (
                "\t".join(
                    (
                        order_id,
                        "",
                        pd,
                        lu,
                        status,
                        channel,
                        "Amazon.com",
                        "",
                        "",
                        level,
                        title,
                        sku,
                        asin,
                        status if status != "Unshipped" else "Unshipped",
                        str(qty),
                        "" if pending else "USD",
                        price,
                        tax,
                        ship,
                        "0.00" if ship else "",
                        "",
                        "",
                        promo,
                        "0.00" if promo else "",
                        city,
                        state,
                        postal,
                        "US",
                        promo_ids,
                        business,
                        "",
                        "",
                    )
                )
                + "\n"
            )
            written += 1


def generate(path: Path, rows: int) -> None:
    """Write the gzip document in bounded memory (rows are streamed through a 1 MiB text buffer)."""
    with gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=6) as out:
        buffer: list[str] = []
        size = 0
        for line in _lines(rows):
            buffer.append(line)
            size += len(line)
            if size > 1 << 20:
                out.write("".join(buffer))
                buffer, size = [], 0
        out.write("".join(buffer))


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def child_pipeline(path: Path) -> dict[str, float]:
    from sellerflow.reports import CountingSink, ingest_document

    sink = CountingSink()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = ingest_document(
        REPORT_TYPE,
        _chunks(path),
        seller_id="A1BENCH",
        marketplace_id="ATVPDKIKX0DER",
        compression="GZIP",
        sink=sink,
        batch_size=25,
    )
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "rows": result.rows,
        "written": result.written,
        "rejected": result.rejected_count,
        "seconds": cpu,
        "wall_seconds": wall,
        "peak_rss_mb": _peak_rss_mb(),
    }


def child_csv(path: Path) -> dict[str, float]:
    started, cpu_started = time.perf_counter(), time.process_time()
    rows = 0
    with gzip.open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        reader = csv.reader(text, delimiter="\t")
        next(reader)
        for _ in reader:
            rows += 1
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {"rows": rows, "seconds": cpu, "wall_seconds": wall, "peak_rss_mb": _peak_rss_mb()}


def _run_child(kind: str, path: Path) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603 - our own script, by path
        [sys.executable, __file__, "--child", kind, str(path)], check=True, capture_output=True, text=True
    )
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=("pipeline", "csv"))
    parser.add_argument("file", nargs="?")
    args = parser.parse_args()
    if args.child:
        path = Path(args.file)
        print(json.dumps(child_pipeline(path) if args.child == "pipeline" else child_csv(path)))
        return 0
    with tempfile.TemporaryDirectory(prefix="sellerflow-bench-") as tmp:
        path = Path(tmp) / "all-orders.tsv.gz"
        generate(path, args.rows)
        pipeline_runs, csv_runs = [], []
        for _ in range(args.repeat):  # alternate, so both see the same machine state
            csv_runs.append(_run_child("csv", path))
            pipeline_runs.append(_run_child("pipeline", path))
    best = min(pipeline_runs, key=lambda r: r["seconds"])
    base = min(csv_runs, key=lambda r: r["seconds"])
    if best["rows"] != args.rows or base["rows"] != args.rows or best["rejected"]:
        print(f"bench: row counts disagree: pipeline {best}, csv {base}", file=sys.stderr)
        return 1
    ingest_rate = best["rows"] / best["seconds"]
    csv_rate = base["rows"] / base["seconds"]
    peak = max(r["peak_rss_mb"] for r in pipeline_runs)
    print(f"BENCH ingest_rows_per_s {ingest_rate:.0f} rows/s")
    print(f"BENCH ingest_peak_rss_mb {peak:.1f} MB")
    print(f"BENCH csv_reader_rows_per_s {csv_rate:.0f} rows/s")
    print(f"BENCH ingest_vs_csv_reader {ingest_rate / csv_rate:.2f} x")
    print(
        f"# best of {args.repeat}: pipeline {best['seconds']:.2f} s CPU ({best['wall_seconds']:.2f} s wall), "
        f"csv.reader {base['seconds']:.2f} s CPU ({base['wall_seconds']:.2f} s wall), "
        f"{best['written']:.0f} orders written",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
