"""CI: the translation catalogs are current and their compiled files match.

1. Each locale/<lang>/LC_MESSAGES/django.po compiles cleanly (msgfmt --check)
   and the committed django.mo holds exactly what a fresh compile holds
   (compared as catalogs, so a different msgfmt version does not matter).
2. The .po files are not stale: makemessages, run on a temporary copy of the
   sources, finds the same messages (no new string left unextracted, no
   removed one left behind).

Run from the repository root: .venv/bin/python .ci/check_catalogs.py
"""

import ast
import gettext
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["de", "fr"]
# What makemessages reads: the apps, the templates and manage.py's settings.
SOURCES = ["console", "tenants", "members", "invitations", "templates", "manage.py", "locale"]
IGNORE = ["--ignore=.venv", "--ignore=tests", "--ignore=bench", "--ignore=staticfiles"]


def catalog(mo: Path) -> dict:
    with mo.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]


def messages(po: Path) -> set[tuple]:
    """(context, msgid, plural) of every live entry (obsolete "#~" ones left out)."""
    found, current, key = set(), {}, None
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#~"):
            continue
        for name in ("msgctxt", "msgid_plural", "msgid"):
            if line.startswith(name + " "):
                key = name
                current[name] = ast.literal_eval(line[len(name) + 1 :])
                break
        else:
            if line.startswith('"') and key:
                current[key] += ast.literal_eval(line)
            elif line.startswith("msgstr"):
                key = None
            elif not line.strip() and current:
                if current.get("msgid"):
                    found.add(
                        (current.get("msgctxt"), current["msgid"], current.get("msgid_plural"))
                    )
                current, key = {}, None
    return found


def main() -> int:
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for language in LANGUAGES:
            po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
            fresh = Path(tmp) / f"{language}.mo"
            subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True)
            if catalog(fresh) != catalog(po.with_suffix(".mo")):
                failures.append(f"{language}: django.mo is stale; run compilemessages")

        copy = Path(tmp) / "src"
        copy.mkdir()
        for name in SOURCES:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, copy / name)
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "--no-obsolete", "-v", "0", *IGNORE]
            + [f"-l{language}" for language in LANGUAGES],
            cwd=copy,
            check=True,
            env={"PATH": "/usr/bin:/bin", "DEBUG": "true", "HOME": tmp},
        )
        for language in LANGUAGES:
            committed = messages(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")
            extracted = messages(copy / "locale" / language / "LC_MESSAGES" / "django.po")
            for missing in sorted(extracted - committed, key=str)[:10]:
                failures.append(
                    f"{language}: not in the catalog (run makemessages): {missing[1]!r}"
                )
            for gone in sorted(committed - extracted, key=str)[:10]:
                failures.append(f"{language}: no longer in the sources: {gone[1]!r}")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
