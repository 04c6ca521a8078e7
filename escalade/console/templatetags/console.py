"""Template filters of the console pages: phone numbers and language names for people."""

from django import template
from django.utils.translation import get_language_info

from escalade.engines import phones

register = template.Library()


@register.filter
def phone(e164: str) -> str:
    """A stored E.164 number in international format: "+33 1 42 68 53 00"."""
    return phones.display(e164) if e164 else ""


@register.filter
def language_name(code: str) -> str:
    """The name of a language code in the reader's language ("French", "français")."""
    if not code:
        return ""
    try:
        return str(get_language_info(code.lower())["name_translated"])
    except KeyError:
        return code.upper()
