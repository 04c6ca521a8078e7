"""Forms of the incident pages: intake and the actions of the incident page.

They only read and check what was typed; the actions in ``intake``, ``lifecycle``
and ``escalation`` decide and write.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from escalade.contracts.models import Channel
from escalade.customers.models import Contact, Licence
from escalade.incidents.intake import IntakeRequest
from escalade.incidents.models import Classification

SEVERITIES: dict[int, StrOrPromise] = {
    1: _("Critical"),
    2: _("High"),
    3: _("Medium"),
    4: _("Low"),
}
SEVERITY_CHOICES = [
    (level, format_lazy("{} · {}", level, label)) for level, label in SEVERITIES.items()
]
NEW_CALLER = "new"
# Where the actions' field errors go on the forms: action field → form field.
FIELD_ALIASES = {
    "contact_id": "contact",
    "pid": "licence",
    "licence_id": "licence",
    "phones.0": "phone",
    "emails.0": "email",
    "owner_id": "owner",
    "queue_id": "queue",
    "site_id": "site",
    "body": "body",
}

Choices = Sequence[tuple[Any, Any]]


def textarea(rows: int, placeholder: StrOrPromise = "") -> forms.Textarea:
    attrs: dict[str, Any] = {"rows": rows}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.Textarea(attrs=attrs)


class ConsoleForm(forms.Form):
    """No colon after labels; errors of the actions land on the field they name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_action_error(self, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
        """Put an action's ValidationError on the fields it names, the rest on the form."""
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            return
        aliases = {**FIELD_ALIASES, **(aliases or {})}
        for field, errors in exc.message_dict.items():
            name = aliases.get(field, field)
            for message in errors:
                self.add_error(name if name in self.fields else None, message)


# --- Intake ----------------------------------------------------------------------------


class IntakeForm(ConsoleForm):
    contact = forms.ChoiceField(label=_("Contact"), required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    licence = forms.ChoiceField(label=_("Product (PID)"), required=False)
    title = forms.CharField(label=_("Title"), min_length=3, max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=20000, widget=textarea(5)
    )
    severity = forms.TypedChoiceField(
        label=_("Severity"), coerce=int, choices=SEVERITY_CHOICES, initial=3
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    identity_verified = forms.BooleanField(label=_("Identity verified"), required=False)
    identity_method = forms.CharField(
        label=_("Method"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"list": "identity-methods"}),
    )
    paid_reference = forms.CharField(
        label=_("Paid per incident: billing reference"),
        max_length=60,
        required=False,
        help_text=_("The purchase order or quote the customer pays this incident with."),
    )
    override_reason = forms.CharField(
        label=_("Supervisor override: reason"),
        max_length=300,
        required=False,
        widget=textarea(2),
        help_text=_("Opens the case without using the allowance; recorded on the case."),
    )

    def __init__(
        self,
        *args: Any,
        contacts: Iterable[Contact],
        licences: Iterable[Licence],
        may_override: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [  # type: ignore[attr-defined]
            ("", _("— Not given —")),
            *[(str(c.pk), self._contact_label(c)) for c in contacts],
            (NEW_CALLER, _("New caller (fill in below)")),
        ]
        self.fields["licence"].choices = [  # type: ignore[attr-defined]
            ("", _("— No product given —")),
            *[(str(lic.pk), f"{lic.pid} · {lic.product.name}") for lic in licences],
        ]
        if not may_override:
            del self.fields["override_reason"]

    @staticmethod
    def _contact_label(contact: Contact) -> str:
        return (
            f"{contact.full_name} · {contact.job_title}"
            if contact.job_title
            else str(contact.full_name)
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("contact") == NEW_CALLER and not data.get("last_name", "").strip():
            self.add_error("last_name", _("Give at least the caller's last name."))
        return data

    @property
    def is_new_caller(self) -> bool:
        return bool(self.data.get(self.add_prefix("contact")) == NEW_CALLER)

    def intake_request(self) -> IntakeRequest:
        data = self.cleaned_data
        new_contact = None
        contact_id = None
        if data["contact"] == NEW_CALLER:
            new_contact = {
                "first_name": data["first_name"].strip(),
                "last_name": data["last_name"].strip(),
                "phones": [{"number": data["phone"]}] if data["phone"].strip() else [],
                "emails": [data["email"]] if data["email"] else [],
            }
        elif data["contact"]:
            contact_id = int(data["contact"])
        return IntakeRequest(
            title=data["title"].strip(),
            description=data["description"].strip(),
            severity=data["severity"],
            channel=data["channel"],
            contact_id=contact_id,
            new_contact=new_contact,
            licence_id=int(data["licence"]) if data["licence"] else None,
            identity_verified=data["identity_verified"],
            identity_method=data["identity_method"].strip(),
            override_reason=data.get("override_reason", "").strip(),
            paid_reference=data["paid_reference"].strip(),
        )


# --- Actions of the incident page ------------------------------------------------------


class NoteForm(ConsoleForm):
    body = forms.CharField(label=_("Note"), max_length=20000, widget=textarea(3))
    customer_visible = forms.BooleanField(label=_("Visible to the customer"), required=False)


class DiagnosticForm(ConsoleForm):
    step = forms.CharField(
        label=_("What was checked or tried"),
        max_length=2000,
        widget=textarea(2, _("e.g. Restarted the service with logging on")),
    )
    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=2000,
        required=False,
        widget=textarea(2, _("e.g. Fails with error 1067 at start")),
    )


class StatusForm(ConsoleForm):
    status = forms.ChoiceField(label=_("New status"))
    note = forms.CharField(label=_("Note (optional)"), max_length=2000, required=False)

    def __init__(self, *args: Any, choices: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices  # type: ignore[attr-defined]


class EmptyForm(ConsoleForm):
    """An action without fields (take ownership, close): just the button."""


class AssignForm(ConsoleForm):
    owner = forms.ChoiceField(label=_("Owner"), required=False)

    def __init__(self, *args: Any, choices: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("— Nobody —")), *choices]  # type: ignore[attr-defined]


class ClassifyForm(ConsoleForm):
    classification = forms.ChoiceField(label=_("Classification"), choices=Classification.choices)
    bug_reference = forms.CharField(
        label=_("Product bug reference"),
        max_length=60,
        required=False,
        help_text=_("A product bug gives back the allowance units that exclude bugs."),
    )


class EscalateForm(ConsoleForm):
    def add_action_error(self, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
        # Sent to a site, the queue the action complains about is the site's.
        site = self.is_bound and self.cleaned_data.get("site")
        super().add_action_error(exc, {"queue_id": "site"} if site else aliases)

    reason = forms.CharField(label=_("Reason"), max_length=500, widget=textarea(2))
    queue = forms.ChoiceField(label=_("To a queue"), required=False)
    site = forms.ChoiceField(label=_("Or to a site"), required=False)

    def __init__(self, *args: Any, queues: Choices, sites: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queue"].choices = [  # type: ignore[attr-defined]
            ("", _("Next tier, by the routing rules")),
            *queues,
        ]
        self.fields["site"].choices = [("", _("— Any site —")), *sites]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("queue") and data.get("site"):
            self.add_error("site", _("Pick a queue or a site, not both."))
        return data


class ReasonForm(ConsoleForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=textarea(2))


class ResolveForm(ConsoleForm):
    summary = forms.CharField(label=_("How it was resolved"), max_length=20000, widget=textarea(3))
