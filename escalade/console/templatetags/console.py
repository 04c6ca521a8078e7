"""Template filters and tags of the console pages: phone numbers, language names, and the
words of incidents (severity, SLA state, durations, live countdowns)."""

from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString
from django.utils.translation import get_language_info, pgettext
from django.utils.translation import gettext as _

from escalade.engines import phones
from escalade.incidents.forms import SEVERITIES

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


# --- Incidents -------------------------------------------------------------------------


@register.filter
def severity(level: int) -> str:
    """ "2 · High": the level and its name."""
    label = SEVERITIES.get(level)
    return f"{level} · {label}" if label else str(level)


@register.filter
def when(value: datetime | None) -> str:
    """A moment of this week, in the reader's time zone: "Tue 1 Dec, 14:00"."""
    if value is None:
        return ""
    return date_format(timezone.localtime(value), pgettext("date and time", "D j M, H:i"))


@register.filter
def when_long(value: datetime | None) -> str:
    """A moment with its year: "Tue 1 Dec 2026, 14:00"."""
    if value is None:
        return ""
    return date_format(timezone.localtime(value), pgettext("date, year and time", "D j M Y, H:i"))


@register.filter
def sla_state(state: str) -> str:
    labels = {"ok": _("On track"), "warning": _("At risk"), "breached": _("Breached")}
    return labels.get(state, state)


@register.filter
def clock_state(state: str) -> str:
    labels = {"running": _("Running"), "paused": _("Paused"), "stopped": _("Stopped")}
    return labels.get(state, state)


def _words() -> dict[str, str]:
    return {
        "left": _("%(time)s left"),
        "overdue": _("overdue by %(time)s"),
        "day": _("%(n)d d"),
        "hour": _("%(n)d h"),
        "minute": _("%(n)d min"),
        "soon": _("less than a minute"),
    }


def span_text(minutes: int, *, days: bool = True) -> str:
    """A span of whole minutes for people: "2 h 15 min", "3 d 4 h", "less than a minute"."""
    words = _words()
    if minutes < 1:
        return words["soon"]
    day_count, rest = divmod(minutes, 1440) if days else (0, minutes)
    hours, mins = divmod(rest, 60)
    if day_count:
        parts = [words["day"] % {"n": day_count}]
        if hours:
            parts.append(words["hour"] % {"n": hours})
    elif hours:
        parts = [words["hour"] % {"n": hours}]
        if mins:
            parts.append(words["minute"] % {"n": mins})
    else:
        parts = [words["minute"] % {"n": mins}]
    return " ".join(parts)


def countdown_text(seconds: float) -> str:
    """ "2 h 15 min left" before the deadline, "overdue by 12 min" after it."""
    words = _words()
    text = span_text(int(abs(seconds) // 60))
    return (words["left"] if seconds >= 0 else words["overdue"]) % {"time": text}


@register.filter
def minutes(value: float | None) -> str:
    """Business minutes as hours and minutes ("32 h", "1 h 30 min"): a business day is no day."""
    if value is None:
        return "—"
    return span_text(round(value), days=False) if value >= 1 else _("%(n)d min") % {"n": 0}


@register.simple_tag
def countdown(due: datetime | None) -> SafeString:
    """A live countdown to ``due``: server-rendered, kept current by console.js."""
    if due is None:
        return format_html('<span class="meta">{}</span>', "—")
    seconds = (due - timezone.now()).total_seconds()
    return format_html(
        '<time class="countdown{}" datetime="{}" title="{}">{}</time>',
        " overdue" if seconds < 0 else "",
        due.astimezone(UTC).isoformat(),
        when_long(due),
        countdown_text(seconds),
    )


@register.simple_tag
def countdown_words() -> SafeString:
    """The words of the countdowns and the server's clock, for console.js."""
    return json_script(
        {**_words(), "now": timezone.now().astimezone(UTC).isoformat()}, "countdown-words"
    )
