"""Cold start: how long each handler takes to import, and how big the layer is.

`BENCH handler_import_ms_max` imports every `functions/*/app.py` in a fresh interpreter (the layer
package on the path, nothing of `sellerflow_dev`), times the import itself (the interpreter's own
start-up is Lambda's, not ours) in CPU time of that process, so that other work on a shared machine
does not inflate it, keeps the best of three per handler and reports the slowest handler; each
handler's figure goes to stderr.

`BENCH layer_mb` is the size of what the layer every function loads ships (`layers/sellerflow/Makefile`):
the installed files of the dependency closure of `requirements.txt`, plus the packages of
`requirements-no-deps.txt` without their dependencies, read from this environment's
`importlib.metadata` records (with the `.pyc` pip compiled), plus the `sellerflow` package with its
`.pyc` (compiled here, as the Makefile compiles it). `BENCH stripe_layer_mb` is the Stripe layer of
the two functions that call Stripe (`layers/stripe/requirements.txt`, installed without dependencies).
"""

from __future__ import annotations

import importlib.metadata
import marshal
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LAYER = ROOT / "layers" / "sellerflow"
STRIPE_LAYER = ROOT / "layers" / "stripe"
PYC_HEADER_BYTES = 16
TRIES = 3
# Imports, then prints how long the import took (ms); run with the handler's folder as cwd.
PROBE = "import time; t = time.process_time(); import app; print((time.process_time() - t) * 1000)"
# What every handler imports and uses whatever it does (settings, tables, logs, metrics, traces):
# the floor no lazy import of ours can go below on this machine. No boto3: no handler imports it at
# import any more (PynamoDB's botocore is the AWS SDK of a cold start; tests/unit/test_cold_start_imports.py).
FLOOR_PROBE = (
    "import time; t = time.process_time(); import pydantic, pynamodb.models; "
    "from aws_lambda_powertools import Logger, Metrics, Tracer; "
    "Tracer(service='bench'); Logger(); Metrics(namespace='bench'); print((time.process_time() - t) * 1000)"
)
REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?")


def import_ms(handler_dir: Path, probe: str = PROBE) -> float:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(LAYER),
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONDONTWRITEBYTECODE": "",
        # What the Lambda runtime sets: libraries choose their code path by it. Without
        # LAMBDA_TASK_ROOT the X-Ray SDK believes it runs on a host with a daemon and builds a
        # sampling client with botocore at import (~150 ms Lambda never spends).
        "LAMBDA_TASK_ROOT": str(handler_dir),
        "AWS_LAMBDA_FUNCTION_NAME": f"sellerflow-{handler_dir.name}",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_REGION": "us-east-1",
        # template.yaml's Globals.
        "POWERTOOLS_SERVICE_NAME": "sellerflow",
        "POWERTOOLS_METRICS_NAMESPACE": "Sellerflow",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
    }
    best = float("inf")
    for _ in range(TRIES):
        out = subprocess.run(  # noqa: S603 - our own interpreter on our own handlers
            [sys.executable, "-c", probe],
            cwd=handler_dir,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        best = min(best, float(out.stdout.strip().splitlines()[-1]))
    return best


def requirements(path: Path) -> list[tuple[str, set[str]]]:
    """(normalised name, extras) of each requirement of a requirements file."""
    found: list[tuple[str, set[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = REQUIREMENT_NAME.match(line.split("#", 1)[0])
        if match:
            extras = {e.strip() for e in (match.group(2) or "[]")[1:-1].split(",") if e.strip()}
            found.append((_normalise(match.group(1)), extras))
    return found


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dependency_closure(roots: list[tuple[str, set[str]]]) -> set[str]:
    """Every distribution pip installs for these requirements (markers evaluated for this Python)."""
    from packaging.requirements import Requirement

    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name, extras = pending.pop()
        key = _normalise(name)
        if key in seen and not extras:
            continue
        seen.add(key)
        for spec in importlib.metadata.requires(name) or []:
            requirement = Requirement(spec)
            environments = [{"extra": e} for e in extras] or [{"extra": ""}]
            if requirement.marker and not any(requirement.marker.evaluate(env) for env in environments):
                continue
            pending.append((requirement.name, set(requirement.extras)))
    return seen


def distribution_bytes(name: str) -> int:
    distribution = importlib.metadata.distribution(name)
    return sum(
        (Path(str(distribution.locate_file(f)))).stat().st_size
        for f in distribution.files or []
        if Path(str(distribution.locate_file(f))).is_file()
    )


def layer_packages() -> set[str]:
    """The distributions the sellerflow layer's Makefile installs."""
    closure = dependency_closure(requirements(LAYER / "requirements.txt"))
    return closure | {name for name, _ in requirements(LAYER / "requirements-no-deps.txt")}


def package_bytes(package: Path) -> int:
    """A source package as the layer ships it: each file, and each module's .pyc."""
    total = 0
    for path in package.rglob("*"):
        if not path.is_file() or path.suffix == ".pyc":
            continue
        total += path.stat().st_size
        if path.suffix == ".py":
            code = compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
            total += PYC_HEADER_BYTES + len(marshal.dumps(code))
    return total


def layer_bytes() -> int:
    return sum(distribution_bytes(name) for name in layer_packages()) + package_bytes(LAYER / "sellerflow")


def stripe_layer_bytes() -> int:
    return sum(distribution_bytes(name) for name, _ in requirements(STRIPE_LAYER / "requirements.txt"))


def main() -> int:
    timings = {
        d.name: import_ms(d) for d in sorted((ROOT / "functions").iterdir()) if (d / "app.py").is_file()
    }
    for name, ms in sorted(timings.items(), key=lambda item: -item[1]):
        print(f"handler {name} imports in {ms:.0f} ms", file=sys.stderr)
    print(f"third-party floor of every handler: {import_ms(ROOT, FLOOR_PROBE):.0f} ms", file=sys.stderr)
    print(f"BENCH handler_import_ms_max {max(timings.values()):.0f} ms")
    print(f"BENCH layer_mb {layer_bytes() / 1_000_000:.1f} MB")
    print(f"BENCH stripe_layer_mb {stripe_layer_bytes() / 1_000_000:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
