"""Imports point one way, and no cycle hides behind an import inside a function.

A function-local import of a project module is how a cycle between two
modules stays invisible (``invitations.services`` <-> ``tasks`` and
``members.models`` <-> ``permissions`` were two): with every project import
at the top of its module, a cycle fails at import time instead. This walks
the source with ``ast`` and fails on any such import.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = ("console", "invitations", "members", "tenants")

# (file, imported module) -> why it must stay inside the function.
# Empty on purpose. (AppConfig.ready() is skipped below: it is where Django says
# signal receivers are connected, since the models are not loaded when apps.py is.)
ALLOWED_LOCAL_IMPORTS: dict[tuple[str, str], str] = {}

# Modules below every app import no app (DESIGN): the helpers the apps share.
BELOW_EVERY_APP = [
    "console/client_ip.py",
    "console/email_retry.py",
    "console/htmx.py",
    "console/html.py",
    "console/mail.py",
    "console/observability.py",
    "console/outbound.py",
    "console/page_cache.py",
    "console/pagination.py",
    "console/readonly_admin.py",
    "console/ratelimit.py",
    "console/responses.py",
]
APPS = ("console.accounts", "console.onboarding", "invitations", "members", "tenants")


def _source_files():
    for package in PROJECT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _project_imports(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        names = [node.module]
    elif isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        return []
    return [name for name in names if name.split(".")[0] in PROJECT_PACKAGES]


def _local_project_imports(path: pathlib.Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for function in ast.walk(tree):
        if path.name == "apps.py" and getattr(function, "name", "") == "ready":
            continue
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                found += [(node.lineno, name) for name in _project_imports(node)]
    return found


def test_no_function_imports_a_project_module():
    offenders = []
    for path in _source_files():
        relative = str(path.relative_to(ROOT))
        for line, module in _local_project_imports(path):
            if (relative, module) not in ALLOWED_LOCAL_IMPORTS:
                offenders.append(f"{relative}:{line} imports {module} inside a function")
    assert offenders == []


def test_the_walk_finds_a_local_import(tmp_path):
    """The check above would see one (it is not vacuous)."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from invitations import tasks\n    import os\n")
    assert _local_project_imports(sample) == [(2, "invitations")]


@pytest.mark.parametrize("relative", BELOW_EVERY_APP)
def test_helpers_below_every_app_import_no_app(relative):
    tree = ast.parse((ROOT / relative).read_text())
    imported = [name for node in ast.walk(tree) for name in _project_imports(node)]
    assert [name for name in imported if name.startswith(APPS)] == []


# Below the services and the tasks (README, Architecture): the send records.
# The services enqueue tasks; the tasks call the outbox, never the services.
NOT_IMPORTED_BY = {
    "invitations/outbox.py": ("invitations.services", "invitations.tasks"),
    "invitations/tasks.py": ("invitations.services",),
    "console/webhooks/outbox.py": ("console.webhooks.services", "console.webhooks.tasks"),
    "console/webhooks/tasks.py": ("console.webhooks.services",),
}


def _imported_modules(tree: ast.AST) -> set[str]:
    """Project modules a file imports, ``from pkg import mod`` counted as ``pkg.mod``."""
    found = set()
    for node in ast.walk(tree):
        for name in _project_imports(node):
            found.add(name)
            if isinstance(node, ast.ImportFrom):
                found.update(f"{name}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("relative", sorted(NOT_IMPORTED_BY))
def test_the_outbox_and_the_tasks_do_not_import_the_services(relative):
    imported = _imported_modules(ast.parse((ROOT / relative).read_text()))
    assert imported.isdisjoint(NOT_IMPORTED_BY[relative])
