"""Run every benchmark module of this folder (files named `*_bench.py`), each in its own process.

Each prints `BENCH <name> <value> <unit>` lines; this exits non-zero if any benchmark fails.
Add a benchmark by adding a module with a `main()` guarded by `if __name__ == "__main__"`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    failed = []
    for module in sorted(here.glob("*_bench.py")):
        result = subprocess.run([sys.executable, str(module)], check=False)  # noqa: S603 - bench modules
        if result.returncode != 0:
            failed.append(module.name)
    if failed:
        print(f"benchmarks failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
