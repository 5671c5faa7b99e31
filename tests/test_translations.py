"""Checks of the German catalogue, read with the standard library only (no database).

German is the site's default language, so every msgid needs a finished German msgstr.
After adding or changing UI strings, run
`DEBUG=1 .venv/bin/python manage.py makemessages -l de -l en --ignore=.venv --ignore=staticfiles
--no-obsolete` and translate the new entries in locale/de/LC_MESSAGES/django.po.
"""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
DE_PO = BASE_DIR / "locale" / "de" / "LC_MESSAGES" / "django.po"
TEMPLATE_DIRS = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates")]
TEMPLATE_SUFFIXES = {".html", ".txt"}

# %(name)s, %(count)d, bare %s / %d, and str.format fields such as {name} or {0}.
PLACEHOLDER_RE = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
# {% translate "..." %} / {% trans '...' %}, optionally with context "..." / noop / as var.
TRANSLATE_TAG_RE = re.compile(
    r"""\{%-?\s*trans(?:late)?\s+
        (?P<q>["'])(?P<msgid>(?:(?!(?P=q)).)*)(?P=q)
        (?:\s+context\s+(?P<cq>["'])(?P<context>(?:(?!(?P=cq)).)*)(?P=cq))?
        [^%]*%\}""",
    re.VERBOSE | re.DOTALL,
)


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self):
        return (self.msgctxt, self.msgid)

    def __str__(self):
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"line {self.line}: {self.msgid!r}{context}"


def parse_po(text: str) -> list[Entry]:
    """A small .po reader: flags, msgctxt, msgid, msgid_plural, msgstr and msgstr[n].

    Obsolete entries (#~) and other comments are skipped; the header (msgid "") is returned
    like any entry.
    """
    entries: list[Entry] = []
    entry: Entry | None = None
    last: tuple[str, int] | None = None  # the keyword a continuation line belongs to
    flags: set[str] = set()

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
        elif not line or line.startswith("#"):
            continue
        elif match := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])? (".*")$', line):
            keyword, index, literal = match.groups()
            value = ast.literal_eval(literal)
            starts_entry = keyword == "msgctxt" or (
                keyword == "msgid" and (last is None or last[0] != "msgctxt")
            )
            if starts_entry:
                entry = Entry(line=lineno, flags=flags)
                entries.append(entry)
                flags = set()
            if entry is None:
                raise ValueError(f"line {lineno}: {keyword} before msgid")
            last = (keyword, int(index or 0))
            if keyword == "msgstr":
                entry.msgstr[last[1]] = value
            else:
                setattr(entry, keyword, value)
        elif line.startswith('"') and entry is not None and last is not None:
            value = ast.literal_eval(line)
            keyword, index = last
            if keyword == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, keyword, getattr(entry, keyword) + value)
        else:
            raise ValueError(f"line {lineno}: cannot parse {raw!r}")
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return parse_po(DE_PO.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(catalogue) -> list[Entry]:
    return [entry for entry in catalogue if entry.msgid != ""]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER_RE.findall(text))


def test_parser_reads_contexts_plurals_and_continuations():
    entries = parse_po(
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n\n'
        '#, python-format\nmsgctxt "ctx"\nmsgid "One %(n)s"\nmsgid_plural ""\n"Many %(n)s"\n'
        'msgstr[0] "Ein %(n)s"\nmsgstr[1] ""\n"Viele \\"%(n)s\\""\n\n'
        '#, fuzzy\nmsgid "a"\nmsgstr "b"\n\n#~ msgid "old"\n#~ msgstr "alt"\n'
    )
    header, plural, fuzzy = entries
    assert header.msgstr == {0: "Language: de\n"}
    assert plural.key == ("ctx", "One %(n)s")
    assert plural.msgid_plural == "Many %(n)s"
    assert plural.msgstr == {0: "Ein %(n)s", 1: 'Viele "%(n)s"'}
    assert "python-format" in plural.flags
    assert fuzzy.key == (None, "a") and "fuzzy" in fuzzy.flags


def test_catalogue_has_messages(messages):
    assert len(messages) > 100


def test_header_declares_german_and_is_final(catalogue):
    header = catalogue[0]
    assert header.msgid == ""
    assert "Language: de\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    assert "fuzzy" not in header.flags


def test_every_message_is_translated(messages):
    untranslated = []
    for entry in messages:
        expected_forms = {0, 1} if entry.msgid_plural is not None else {0}
        if set(entry.msgstr) != expected_forms or not all(entry.msgstr.values()):
            untranslated.append(str(entry))
    assert not untranslated, "Untranslated German messages:\n" + "\n".join(untranslated)


def test_no_message_is_fuzzy(catalogue):
    fuzzy = [str(entry) for entry in catalogue if "fuzzy" in entry.flags]
    assert not fuzzy, "Fuzzy German messages (check and remove the flag):\n" + "\n".join(fuzzy)


def test_placeholders_match(messages):
    mismatched = []
    for entry in messages:
        expected = placeholders(entry.msgid) | placeholders(entry.msgid_plural or "")
        for index, translation in sorted(entry.msgstr.items()):
            if translation and placeholders(translation) != expected:
                mismatched.append(
                    f"{entry} msgstr[{index}] has {sorted(placeholders(translation))}"
                )
    assert not mismatched, "Placeholders differ from the msgid:\n" + "\n".join(mismatched)


def test_no_duplicate_messages(messages):
    seen, duplicates = set(), []
    for entry in messages:
        if entry.key in seen:
            duplicates.append(str(entry))
        seen.add(entry.key)
    assert not duplicates, "Duplicate entries:\n" + "\n".join(duplicates)


def template_strings():
    for directory in TEMPLATE_DIRS:
        for path in sorted(p for p in directory.rglob("*") if p.suffix in TEMPLATE_SUFFIXES):
            source = path.read_text(encoding="utf-8")
            for match in TRANSLATE_TAG_RE.finditer(source):
                lineno = source.count("\n", 0, match.start()) + 1
                where = f"{path.relative_to(BASE_DIR)}:{lineno}"
                yield where, (match.group("context"), match.group("msgid"))


def test_template_translate_strings_are_in_catalogue(messages):
    known = {entry.key for entry in messages}
    found = list(template_strings())
    assert found, "no {% translate %} tags found: is the regular expression still right?"
    missing = [f"{where}: {key[1]!r}" for where, key in found if key not in known]
    assert not missing, (
        "Strings missing from locale/de/LC_MESSAGES/django.po; run "
        "`DEBUG=1 .venv/bin/python manage.py makemessages -l de -l en --ignore=.venv "
        "--ignore=staticfiles --no-obsolete` and translate them:\n" + "\n".join(missing)
    )
