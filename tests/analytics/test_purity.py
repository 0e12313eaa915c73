"""kizuna.analytics is pure: it imports neither Django nor the rest of kizuna (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import kizuna.analytics

PACKAGE_DIR = Path(kizuna.analytics.__file__).parent
# Third-party packages the analytics engine may use (ARCHITECTURE.md, "analytics" row).
# threadpoolctl: fits limit BLAS to one thread (kizuna.analytics._base.minimize_log_params).
ALLOWED_THIRD_PARTY = {"numpy", "scipy", "sklearn", "threadpoolctl", "ibis", "duckdb", "polars",
                       "pyarrow"}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_analytics_imports_only_the_standard_library_and_numeric_packages():
    modules = sorted(PACKAGE_DIR.rglob("*.py"))
    assert modules
    for path in modules:
        for name in _imported_modules(path):
            top = name.split(".")[0]
            if top == "kizuna":
                assert name.startswith("kizuna.analytics"), f"{path.name} imports {name}"
            else:
                assert top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY, (
                    f"{path.name} imports {name}"
                )


def test_importing_analytics_loads_no_django():
    # In a fresh interpreter: the test session itself may already have Django loaded.
    modules = [f"kizuna.analytics.{info.name}" for info in pkgutil.iter_modules([str(PACKAGE_DIR)])]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'django')\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(PACKAGE_DIR.parent.parent)},
    )
    assert result.returncode == 0, result.stderr
