"""Who is calling: caller-ID normalisation and the lookup of the caller's account and contact.

The lookup runs as a system principal that sees every account: identifying a caller is
the switch's business, not an agent's; what each agent may then see of the caller is
decided when the screen pop is rendered with the agent's own principal.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers

from escalade.core.principal import Principal
from escalade.core.roles import Role
from escalade.customers.models import Account, Contact
from escalade.customers.queries import Match, by_phone_numbers, phone_regions
from escalade.engines.phones import lookup_candidates

# Sees everything, belongs to no organisation: for lookups done on the switch's behalf.
SYSTEM = Principal(user_id=0, role=Role.ADMINISTRATOR)


@dataclass(frozen=True)
class Caller:
    """The result of a caller-ID lookup."""

    number: str  # as the switch wrote it
    e164: str  # normalised, or the raw text when it is not a phone number
    account: Account | None = None
    contact: Contact | None = None
    # Every match: several when a number is shared (a switchboard, a family phone).
    matches: list[Match] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return self.account is not None

    @property
    def ambiguous(self) -> bool:
        return self.account is None and bool(self.matches)


# Reading a number takes a dozen parses (each region, valid or only possible), and the
# same numbers come back all day (the hotlines, regular callers): each process keeps the
# readings of the last few thousand.
NUMBERS_KEPT = 4096


@lru_cache(maxsize=NUMBERS_KEPT)
def region_of(number: str) -> str | None:
    """The country of an E.164 number ("+33…" → "FR"), or None."""
    if not number.startswith("+"):
        return None
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    return region if region and region != "ZZ" else None


def normalize(raw: str, *, regions: Iterable[str] = ()) -> str:
    """The E.164 form of a number as a switch writes it; unknown formats are kept as given.

    National formats ("01 42 68 53 00") are read in the given regions first (the
    country of the number that was called), then in ``ESCALADE_PHONE_REGIONS``.
    """
    text = raw.strip()
    if not text or not any(ch.isdigit() for ch in text):
        return text
    candidates = _readings(text, tuple(phone_regions(regions)))
    return candidates[0] if candidates else text


@lru_cache(maxsize=NUMBERS_KEPT)
def _readings(text: str, regions: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(lookup_candidates(text, regions=regions))


def identify(raw: str, *, regions: Iterable[str] = ()) -> Caller:
    """The caller behind a number: one query on the indexed contact phones.

    The number is read once (``normalize``); the lookup searches that reading only.
    """
    e164 = normalize(raw, regions=regions)
    if not e164.startswith("+"):
        return Caller(number=raw, e164=e164)
    matches = by_phone_numbers(SYSTEM, [e164])
    accounts = {match.account.pk for match in matches}
    if len(accounts) != 1:
        return Caller(number=raw, e164=e164, matches=matches)
    contacts = {match.contact.pk for match in matches if match.contact is not None}
    contact = matches[0].contact if len(contacts) == 1 else None
    return Caller(
        number=raw, e164=e164, account=matches[0].account, contact=contact, matches=matches
    )
