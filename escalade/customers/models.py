"""Customers: accounts, their contacts, the products they hold (licences by PID)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from escalade.engines.text import fold


class AccountKind(models.TextChoices):
    COMPANY = "company", _("Company")
    PERSON = "person", _("Person")


class Segment(models.TextChoices):
    STANDARD = "standard", _("Standard")
    PREMIER = "premier", _("Premier")


class Account(models.Model):
    number = models.CharField(_("account number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=10, choices=AccountKind.choices, default=AccountKind.COMPANY
    )
    segment = models.CharField(
        _("segment"), max_length=10, choices=Segment.choices, default=Segment.STANDARD
    )
    country = models.CharField(_("country"), max_length=2)
    language = models.CharField(_("language"), max_length=8)
    # Folded name for accent- and case-blind search.
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_name = fold(self.name)
        update_fields = kwargs.get("update_fields")
        if isinstance(update_fields, list | tuple | set) and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    @property
    def is_premier(self) -> bool:
        return self.segment == Segment.PREMIER


class Contact(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="contacts")
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    language = models.CharField(_("language"), max_length=8)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # A customer who signs in to the portal.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact",
    )
    search_name = models.CharField(max_length=220, db_index=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_name = fold(self.full_name)
        update_fields = kwargs.get("update_fields")
        if isinstance(update_fields, list | tuple | set) and (
            {"first_name", "last_name"} & set(update_fields)
        ):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class PhoneKind(models.TextChoices):
    OFFICE = "office", _("Office")
    MOBILE = "mobile", _("Mobile")
    HOME = "home", _("Home")


class ContactPhone(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("number (E.164)"), max_length=20, db_index=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=PhoneKind.choices, default=PhoneKind.OFFICE
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "number"], name="contactphone_unique")
        ]
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")

    def __str__(self) -> str:
        return self.number


class ContactEmail(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    # Stored lower-cased so lookups are exact-match on an index.
    address = models.EmailField(_("address"), db_index=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        ordering = ["-is_primary", "address"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "address"], name="contactemail_unique")
        ]
        verbose_name = _("email address")
        verbose_name_plural = _("email addresses")

    def __str__(self) -> str:
        return self.address


def _answer_digest(salt: str, answer: str) -> str:
    # Keyed with the server secret: a stolen database alone does not let anyone
    # try likely answers ("Paris", "Rex") offline.
    key = hashlib.sha256(("escalade.verification:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, f"{salt}:{fold(answer)}".encode(), hashlib.sha256).hexdigest()


class VerificationAnswer(models.Model):
    """A question the agent asks to verify a caller's identity; the answer is kept hashed."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="verifications")
    question = models.CharField(_("question"), max_length=200)
    answer_hash = models.CharField(max_length=100, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "question"], name="verification_unique")
        ]
        verbose_name = _("verification answer")
        verbose_name_plural = _("verification answers")

    def __str__(self) -> str:
        return self.question

    def set_answer(self, answer: str) -> None:
        salt = secrets.token_hex(8)
        self.answer_hash = f"{salt}${_answer_digest(salt, answer)}"

    def check_answer(self, answer: str) -> bool:
        salt, _sep, digest = self.answer_hash.partition("$")
        return hmac.compare_digest(digest, _answer_digest(salt, answer))


class Product(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    product_line = models.CharField(_("product line"), max_length=120, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class ProductVersion(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(_("version"), max_length=40)
    released_on = models.DateField(_("released on"), null=True, blank=True)
    end_of_support = models.DateField(_("end of support"), null=True, blank=True)

    class Meta:
        ordering = ["product__name", "-released_on", "version"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="productversion_unique")
        ]
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")

    def __str__(self) -> str:
        return f"{self.product} {self.version}"


class Licence(models.Model):
    """A product held by an account, identified by its PID (serial number or licence key)."""

    pid = models.CharField(_("PID"), max_length=64, unique=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="licences")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="licences")
    version = models.ForeignKey(
        ProductVersion, on_delete=models.PROTECT, related_name="licences", null=True, blank=True
    )
    purchased_on = models.DateField(_("purchased on"), null=True, blank=True)

    class Meta:
        ordering = ["pid"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")

    def __str__(self) -> str:
        return self.pid
