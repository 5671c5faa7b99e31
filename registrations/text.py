"""Rules for text that people type and the app passes on: one definition each.

Forms, the directory import, services, rate limits and every export ask these functions, so
that "the same address", "a control character" and "a spreadsheet formula" mean one thing
throughout the app.
"""

import re
import unicodedata

# A spreadsheet evaluates a cell that starts with one of these ("=HYPERLINK(…)", "@SUM(…)",
# "+cmd|…", "-1+1"); tab and carriage return let a CSV cell start one after a field break.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

# Unicode's control characters (general category Cc, fixed by its stability policy): C0,
# DEL and C1. A character class is checked in C, which the directory import does for every
# cell of every row.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# Line breaks and tabs are text in a text area; everywhere else they are control characters.
_CONTROL_BUT_LINE_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def full_name(academic_title: str, first_name: str, last_name: str) -> str:
    """ "Dr. Anna Schmidt": the academic title, then the names, whatever is given."""
    return " ".join(part for part in (academic_title, first_name, last_name) if part)


def fold_for_search(value: str) -> str:
    """Lower case without accents, so that "muller" finds "Müller" and "zoe" finds "Zoë" on
    every database: stored in `search_name` columns and applied to what staff type."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def has_control_characters(value: str, *, allow_line_breaks: bool = False) -> bool:
    """True if the text holds a control character (C0, DEL or C1): they break mail headers,
    CSV rows and terminals. Line breaks and tabs count only where `allow_line_breaks` is off."""
    pattern = _CONTROL_BUT_LINE_BREAKS if allow_line_breaks else _CONTROL
    return pattern.search(value) is not None


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def neutralise_formula(value):
    """A text a spreadsheet would run as a formula gets a leading apostrophe, which
    spreadsheets show as text and never evaluate; other values are returned as they are."""
    if looks_like_formula(value):
        return "'" + value
    return value


def restore_formula_text(value: str) -> str:
    """The text `neutralise_formula` protected, as it was typed: our own exports re-import
    unchanged."""
    if value.startswith("'") and looks_like_formula(value[1:]):
        return value[1:]
    return value


def normalise_domain(domain: str) -> str:
    """A domain as `normalise_email` writes it: NFKC, no invisible characters, lower case,
    ASCII (IDNA) form."""
    return normalise_email(f"x@{domain}").rpartition("@")[2]


def _idna(domain: str) -> str:
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:  # not a valid host name: left for the address validator to refuse
        return domain


def normalise_email(value: str) -> str:
    """The one form of an address under which it is stored, compared and rate-limited.

    Unicode NFKC folds look-alikes that reach the same mailbox (fullwidth "ａ" is "a"),
    invisible format characters (zero-width space, soft hyphen, BOM) are dropped, surrounding
    space goes, everything is lower case, and an internationalised domain is written in its
    ASCII (IDNA) form, so "anna@münchen.de" and "anna@xn--mnchen-3ya.de" are one address.
    """
    if (value or "").isascii():
        # NFKC leaves ASCII as it is, it has no format characters, and IDNA leaves an ASCII
        # domain as it is: the common case skips the character-by-character work.
        return (value or "").strip().lower()
    value = unicodedata.normalize("NFKC", value or "")
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cf").strip().lower()
    local, at, domain = value.rpartition("@")
    if not at:
        return value
    return f"{local}@{_idna(domain)}"


def email_domain(value: str) -> str:
    return normalise_email(value).rpartition("@")[2]


def has_ascii_mailbox(value: str) -> bool:
    """Whether the part before the @ is ASCII. "julia.müller@…" needs SMTPUTF8 end to end,
    which the app's mail relay is not known to offer, and a Django mail would write it as an
    encoded word that servers reject; the domain may be international (sent as IDNA)."""
    return normalise_email(value).rpartition("@")[0].isascii()
