"""``makemessages`` that also reads the Jinja fragments (``templates/**/*.jinja``).

Django's command reads Django templates only. For a ``.jinja`` file this one
hands xgettext a Python file with one ``gettext()``/``ngettext()``/``pgettext()``
call per message Jinja's own extractor finds (``_()``, ``{% trans %}``), on
the message's line, so the catalogs keep pointing at the template. The
fragments' messages are the same msgids as before (``{% trans %}`` writes
``{{ name }}`` as ``%(name)s``, as ``{% blocktranslate %}`` does).
(An app's management command; it lives in accounts, which owns the language
choice, for want of a project-wide app.)
"""

from django.core.management.commands import makemessages
from jinja2.ext import babel_extract

KEYWORDS = ("_", "gettext", "ngettext", "pgettext", "npgettext")


def python_calls(source) -> str:
    """The messages of a Jinja template as Python calls, each on its template line."""
    lines: list[str] = []
    for lineno, function, message, _comments in babel_extract(
        source, KEYWORDS, [], {"extensions": "jinja2.ext.i18n", "silent": "false"}
    ):
        strings = message if isinstance(message, tuple) else (message,)
        if function == "_":
            function = "gettext"
        arguments = ", ".join(repr(s) for s in strings if s is not None)
        if function in ("ngettext", "npgettext"):
            arguments += ", 1"
        while len(lines) < lineno - 1:
            lines.append("")
        call = f"{function}({arguments})"
        if len(lines) == lineno:
            lines[-1] += "; " + call
        else:
            lines.append(call)
    return "\n".join(lines) + "\n"


# Pinned Django internals, on purpose: makemessages has no public hook for
# another template language. ``Command.build_file_class``, ``BuildFile.preprocess()``
# and the ``path`` / ``work_path`` it reads and writes are undocumented; the
# alternative (Babel's extractors and writer) would replace Django's own .po
# handling for every file to serve the .jinja ones. The layout this relies on
# is checked by tests/console/test_django_internals.py, which fails on a Django
# that changes it.
class BuildFile(makemessages.BuildFile):
    def preprocess(self):
        if not self.path.endswith(".jinja"):
            return super().preprocess()
        with open(self.path, "rb") as source:
            content = python_calls(source)
        with open(self.work_path, "w", encoding="utf-8") as out:
            out.write(content)


class Command(makemessages.Command):
    build_file_class = BuildFile

    def handle(self, *args, **options):
        if not options.get("extensions") and options.get("domain", "django") == "django":
            options["extensions"] = ["html", "txt", "py", "jinja"]
        return super().handle(*args, **options)
