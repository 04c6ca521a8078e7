"""Phone numbers: stored in E.164, found whatever way a caller ID or an agent writes them."""

from collections.abc import Iterable

import phonenumbers


class PhoneNumberError(ValueError):
    pass


def to_e164(raw: str, *, region: str | None = None) -> str:
    """The E.164 form of a number written in any common format.

    National formats ("01 42 68 53 00") need the region of the person or site;
    international ones ("+33 1…", "0033 1…") do not.
    """
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise PhoneNumberError(f"{raw!r} is not a phone number.") from exc
    if not phonenumbers.is_possible_number(number):
        raise PhoneNumberError(f"{raw!r} is not a possible phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def lookup_candidates(raw: str, *, regions: Iterable[str]) -> list[str]:
    """The E.164 numbers the text may stand for, likeliest first.

    National formats are read in each region in turn, so the first regions (the
    agent's country) rank first. Numbers valid in their country come before merely
    possible ones (new ranges the metadata does not know yet).
    """
    valid: dict[str, None] = {}
    possible: dict[str, None] = {}
    for region in (None, *regions):
        try:
            number = to_e164(raw, region=region)
        except PhoneNumberError:
            continue
        if phonenumbers.is_valid_number(phonenumbers.parse(number, None)):
            valid.setdefault(number)
        else:
            possible.setdefault(number)
    return [*valid, *(number for number in possible if number not in valid)]


def display(e164: str) -> str:
    """International format for people: "+33 1 42 68 53 00"."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
