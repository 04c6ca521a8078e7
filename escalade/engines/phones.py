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
    """The E.164 numbers the text may stand for, trying each region for national formats.

    Numbers valid in their country come first and alone when there are any, so
    "030 66348801" read by a German agent does not also match a London number;
    merely possible ones are the fallback (new ranges the metadata does not know).
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
            # The first region that reads it validly is the caller's likeliest country.
            if region is not None:
                break
        else:
            possible.setdefault(number)
    return list(valid or possible)


def display(e164: str) -> str:
    """International format for people: "+33 1 42 68 53 00"."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
