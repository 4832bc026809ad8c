"""Every module of the application and the emulators imports, and the application never
reaches into the tests."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import bot
import emulators

ROOT = Path(__file__).resolve().parents[1]


def _modules(package: ModuleType) -> list[str]:
    found = pkgutil.walk_packages(package.__path__, package.__name__ + ".")
    # __main__ is the command line itself: importing it runs it.
    names = sorted(info.name for info in found if not info.name.endswith(".__main__"))
    return [package.__name__, *names]


@pytest.mark.parametrize("name", _modules(bot) + _modules(emulators))
def test_module_imports(name: str) -> None:
    """The module imports on its own."""
    importlib.import_module(name)


def _imported_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_application_does_not_import_tests() -> None:
    """No module under bot/ imports from tests/."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _imported_names(path) if name.split(".")[0] == "tests"
        )
        for path in sorted((ROOT / "bot").rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}
