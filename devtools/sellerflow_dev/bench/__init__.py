"""Benchmarks: `make bench` runs every `*_bench.py` module here, each printing `BENCH <name> <value> <unit>` lines."""
