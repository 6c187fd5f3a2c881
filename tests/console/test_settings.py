"""Settings are built once: each list in one place, each default in settings.py only."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "console" / "settings.py"


def _assigned_names(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return names


@pytest.mark.parametrize("name", ["INSTALLED_APPS", "MIDDLEWARE"])
def test_each_list_is_built_in_one_place(name):
    assert _assigned_names(ast.parse(SETTINGS.read_text())).count(name) == 1


# Settings that settings.py gives a default: nobody else may repeat it.
READ_WITH_THEIR_DEFAULT_ELSEWHERE = [
    "INVITATION_EMAIL_LEASE_SECONDS",
    "INVITATION_EMAIL_RETRY_BACKOFF_SECONDS",
    "WEBHOOK_MAX_ATTEMPTS",
    "WEBHOOK_DISABLE_AFTER_FAILURES",
    "WEBHOOK_RETRY_BACKOFF_SECONDS",
    "WEBHOOK_LEASE_SECONDS",
    "WEBHOOK_TIMEOUT_SECONDS",
    "WEBHOOK_CA_BUNDLE",
    "WEBHOOKS_ALLOW_PRIVATE_URLS",
    "TRUSTED_PROXY_COUNT",
]


def _getattr_defaults(path: pathlib.Path) -> list[str]:
    """Names read as ``getattr(settings, "NAME", default)`` in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) == 3
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == "settings"
            and isinstance(node.args[1], ast.Constant)
        ):
            found.append(node.args[1].value)
    return found


def test_no_module_repeats_a_default_that_settings_gives():
    repeated = [
        f"{path.relative_to(ROOT)}: {name}"
        for package in ("console", "invitations", "members", "tenants")
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in _getattr_defaults(path)
        if name in READ_WITH_THEIR_DEFAULT_ELSEWHERE
    ]
    assert repeated == []


def test_the_default_walk_finds_one(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('x = getattr(settings, "WEBHOOK_LEASE_SECONDS", 300)\n')
    assert _getattr_defaults(sample) == ["WEBHOOK_LEASE_SECONDS"]
