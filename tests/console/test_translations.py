"""The French catalogue is complete, and the compiled .mo matches the .po beside it."""

import ast
import gettext
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES"


def po_entries(path: Path) -> list[dict[str, str]]:
    """The entries of a .po file as {keyword: text}, e.g. {"msgid": ..., "msgstr": ...}."""
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    keyword = ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if current:
                entries.append(current)
            current, keyword = {}, ""
        elif line.startswith("#,"):
            current["flags"] = line[2:]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[keyword] += ast.literal_eval(line)
        else:
            keyword, _space, text = line.partition(" ")
            current[keyword] = ast.literal_eval(text)
    return [entry for entry in entries if entry.get("msgid")]


def test_every_message_is_translated_to_french() -> None:
    entries = po_entries(CATALOGUE / "django.po")
    assert len(entries) > 100
    untranslated = [
        entry["msgid"]
        for entry in entries
        if "fuzzy" in entry.get("flags", "")
        or not all(text for key, text in entry.items() if key.startswith("msgstr"))
    ]
    assert untranslated == []


def test_the_compiled_catalogue_is_up_to_date() -> None:
    with (CATALOGUE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in po_entries(CATALOGUE / "django.po"):
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            plural = (
                compiled.npgettext(context, entry["msgid"], entry["msgid_plural"], 2)
                if context is not None
                else compiled.ngettext(entry["msgid"], entry["msgid_plural"], 2)
            )
            assert plural == entry["msgstr[1]"], entry["msgid"]
        elif context is not None:
            assert compiled.pgettext(context, entry["msgid"]) == entry["msgstr"], entry["msgid"]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]
