"""The German and French catalogs are complete, compiled and current (issue 15)."""

import gettext
import shutil
import subprocess

import pytest

from tests.i18n.catalogs import LANGUAGES, po_path, read_po


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_entry_is_untranslated_or_fuzzy(language):
    entries = read_po(po_path(language))
    assert len(entries) > 500  # the whole console, not a sample
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []
    assert [e.msgid for e in entries if not e.msgstr or not all(e.msgstr)] == []
    # Plural entries have both forms (de: n != 1, fr: n > 1).
    assert [e.msgid for e in entries if e.msgid_plural and len(e.msgstr) != 2] == []


@pytest.mark.parametrize(
    ("language", "rule"),
    [("de", "nplurals=2; plural=(n != 1);"), ("fr", "nplurals=2; plural=(n > 1);")],
)
def test_plural_forms_header(language, rule):
    assert f'"Plural-Forms: {rule}\\n"' in po_path(language).read_text(encoding="utf-8")


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_mo_matches_its_po(language):
    """The .mo Django reads holds every entry of the .po, translated the same way."""
    mo = po_path(language).with_suffix(".mo")
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    for entry in read_po(po_path(language)):
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            assert catalog.ngettext(key, entry.msgid_plural, 1) == entry.msgstr[0]
            assert catalog.ngettext(key, entry.msgid_plural, 5) == entry.msgstr[1]
        else:
            assert catalog.gettext(key) == entry.msgstr[0], entry.msgid


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_accepts_the_catalog_and_counts_no_untranslated(language, tmp_path):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "x.mo"), str(po_path(language))],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr
