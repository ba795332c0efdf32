"""The floor plan of ARCHITECTURE.md, checked: the import contracts (import-linter, also run by
`make test`) and what they cannot see: a handler parses, calls one service and answers, in at
most 15 lines; no handler catches a domain error (the exception handlers answer for it)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from rental.kernel.settings import PROJECT_ROOT

pytestmark = pytest.mark.no_database

PACKAGES = ("rental", "inventory", "bookings", "toollib")
VERBS = {"get", "post", "put", "patch", "delete", "route", "head"}
MAX_HANDLER_LINES = 15


def _handlers() -> list[tuple[str, ast.AsyncFunctionDef | ast.FunctionDef]]:
    found = []
    for package in PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and any(
                        _verb(d) in VERBS for d in node.decorator_list):
                    where = f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {node.name}"
                    found.append((where, node))
    return found


def _verb(decorator: ast.expr) -> str:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")


def _body_lines(node: ast.AsyncFunctionDef | ast.FunctionDef) -> int:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring says why; it is not code
    return body[-1].end_lineno - body[0].lineno + 1 if body else 0


def test_the_handlers_are_found():
    assert len(_handlers()) > 100


def test_no_handler_is_over_fifteen_lines():
    long = [f"{where}: {_body_lines(node)} lines" for where, node in _handlers()
            if _body_lines(node) > MAX_HANDLER_LINES]
    assert not long, "handlers parse, call one service and answer:\n" + "\n".join(long)


def _pages() -> list[tuple[str, ast.Module]]:
    return [(str(path.relative_to(PROJECT_ROOT)), ast.parse(path.read_text(encoding="utf-8")))
            for package in PACKAGES for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
            if path.stem.endswith("controllers")]


def test_no_page_catches_a_domain_error():
    """Domain errors become the form again, the API's body or a flash message in one place
    (rental.kernel.responses); a page that catches one picks its own answer."""
    catching = []
    for where, node in _pages():
        for handler in (n for n in ast.walk(node) if isinstance(n, ast.ExceptHandler)):
            names = {n.id if isinstance(n, ast.Name) else getattr(n, "attr", "")
                     for n in ast.walk(handler.type)} if handler.type else {"<bare>"}
            if any(name.endswith("Error") and name not in {"BadValue", "ValueError", "Error"}
                   or name in {"NotFound", "<bare>"} for name in names):
                catching.append(f"{where}:{handler.lineno} catches {', '.join(sorted(names))}")
    assert not catching, "\n".join(catching)


def test_the_import_contracts_are_kept():
    """The same check as `make test` runs first, so a plain pytest run sees it too."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=PROJECT_ROOT, capture_output=True, text=True,
        env={"PYTHONPATH": str(PROJECT_ROOT / "tests"), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stdout + result.stderr


def _our_modules() -> dict[str, Path]:
    return {".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts): path
            for package in PACKAGES for path in (PROJECT_ROOT / package).rglob("*.py")}


def test_no_module_reaches_into_another_modules_private_names():
    """import-linter sees `from m import _name`; this sees `m._name(...)` through a module
    imported as a name (`from bookings.lending import reservations`)."""
    modules = _our_modules()
    reaching = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    if f"{node.module}.{alias.name}" in modules:
                        aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname and alias.name in modules:
                        aliases[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__") and aliases[node.value.id] != name):
                reaching.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} "
                                f"{node.value.id}.{node.attr}")
    assert not reaching, "\n".join(reaching)
