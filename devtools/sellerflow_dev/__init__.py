"""Sellerflow's development package: simulators, the local runtime, benchmarks, command-line tools.

It may import the product (`sellerflow`); the product never imports it, and the Lambda layer ships none of it.
"""
