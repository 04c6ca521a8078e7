"""Text folding for search: case, accents and punctuation should not hide a customer."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w@.+-]+")


def fold(text: str) -> str:
    """Lower-case, strip accents, collapse punctuation and spaces: "  Müller-Lüdenscheidt, S.A." →
    "muller-ludenscheidt s.a."."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", stripped).split())


def normalize_pid(raw: str) -> str:
    """PIDs match case-blind and without spaces: " fr-pro-0042 " → "FR-PRO-0042"."""
    return "".join(raw.split()).upper()
