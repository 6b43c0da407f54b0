"""The Lambda layer ships only what runs in AWS: no simulator, local runtime, benchmark or CLI.

The file list is the one `sam build` packs: everything under the layer's ContentUri in template.yaml.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from template_helpers import load_template

ROOT = Path(__file__).resolve().parents[2]
# Development-only modules and the third-party packages only they (and the tests) use.
DEV_PACKAGES = {"sellerflow_dev", "moto", "pytest", "playwright", "hypothesis", "cfn_lint", "yaml"}
DEV_MODULE_NAMES = {"simulator", "local", "bench", "cli", "privacy_cli", "conftest"}


def layer_files() -> list[Path]:
    template = load_template()
    layers = [
        r["Properties"]["ContentUri"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::LayerVersion"
    ]
    assert layers, "the template declares no layer"
    files: list[Path] = []
    for uri in layers:
        root = ROOT / uri
        files += [p for p in root.rglob("*") if p.is_file() and "egg-info" not in str(p)]
    return files


def imported_packages(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_layer_holds_product_modules_only() -> None:
    py_files = [p for p in layer_files() if p.suffix == ".py"]
    assert len(py_files) > 50, "the layer's file list looks wrong"
    offenders = [p for p in py_files if DEV_MODULE_NAMES & {p.stem, *(part for part in p.parts)}]
    assert not offenders, f"development modules in the layer: {offenders}"


@pytest.mark.parametrize("package", sorted(DEV_PACKAGES))
def test_no_layer_module_imports_development_code(package: str) -> None:
    importers = [p for p in layer_files() if p.suffix == ".py" and package in imported_packages(p)]
    assert not importers, f"layer modules import {package}: {importers}"


def test_development_package_lives_beside_the_layer() -> None:
    dev = ROOT / "devtools" / "sellerflow_dev"
    for name in ("simulator", "local", "bench", "cli.py"):
        assert (dev / name).exists(), name
    assert not any(str(p).startswith(str(dev)) for p in layer_files())


def _requirement_names(path: Path) -> set[str]:
    lines = [line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return {re.split(r"[\[<>=!~; ]", line, maxsplit=1)[0].lower() for line in lines if line}


def test_the_layer_ships_the_projects_runtime_dependencies_and_chalice_without_its_cli() -> None:
    import tomllib

    layer = ROOT / "layers" / "sellerflow"
    with_deps = _requirement_names(layer / "requirements.txt")
    without_deps = _requirement_names(layer / "requirements-no-deps.txt")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # stripe ships in the Stripe layer of the two functions that call Stripe (with requests, its client).
    stripe_layer = _requirement_names(ROOT / "layers" / "stripe" / "requirements.txt")
    assert stripe_layer == {"stripe", "requests", "charset-normalizer"}
    assert with_deps | without_deps | {"stripe"} == _requirement_names_of(project["dependencies"])
    # Production runs chalice.app only (standard library); click, inquirer, pyyaml... serve its CLI.
    assert without_deps == {"chalice"}
    build = (layer / "Makefile").read_text(encoding="utf-8")
    assert "--no-deps -r requirements-no-deps.txt" in build
    assert "compileall" in build  # the layer ships .pyc: a cold start compiles nothing
    for resource in load_template()["Resources"].values():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            assert resource["Metadata"]["BuildMethod"] == "makefile"
            makefile = (ROOT / resource["Properties"]["ContentUri"] / "Makefile").read_text(encoding="utf-8")
            assert "--invalidation-mode unchecked-hash" in makefile


def _requirement_names_of(specs: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0].lower() for spec in specs}


def test_the_stripe_layer_adds_stripe_and_only_what_the_sellerflow_layer_lacks() -> None:
    # The Stripe layer is installed without dependencies on top of the sellerflow layer: together they
    # hold every dependency of stripe, and no package twice (a second copy would overwrite the first
    # file by file in /opt/python).
    from sellerflow_dev.bench.cold_start_bench import (
        STRIPE_LAYER,
        dependency_closure,
        layer_packages,
        requirements,
    )

    core = layer_packages()
    stripe_layer = {name for name, _ in requirements(STRIPE_LAYER / "requirements.txt")}
    assert "stripe" in stripe_layer
    assert "stripe" not in core
    assert not stripe_layer & core
    assert dependency_closure(requirements(STRIPE_LAYER / "requirements.txt")) <= core | stripe_layer
