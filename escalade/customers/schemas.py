"""API shapes of customers, lookups and the customer file."""

from datetime import date
from typing import Annotated, Any

from ninja import Field, FilterLookup, FilterSchema, Schema

from escalade.contracts.schemas import AllowanceOut
from escalade.customers.models import AccountKind, PhoneKind, Segment
from escalade.engines.phones import display

Country = Field(min_length=2, max_length=2, pattern="^[A-Z]{2}$", description="ISO 3166 code")
Language = Field(min_length=2, max_length=8, description="ISO 639 code, e.g. fr")


class AccountOut(Schema):
    id: int
    number: str
    name: str
    kind: AccountKind
    segment: Segment
    country: str
    language: str


class AccountIn(Schema):
    number: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    kind: AccountKind = AccountKind.COMPANY
    segment: Segment = Segment.STANDARD
    country: str = Country
    language: str = Language


class AccountPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: AccountKind | None = None
    segment: Segment | None = None
    country: str | None = Field(None, min_length=2, max_length=2, pattern="^[A-Z]{2}$")
    language: str | None = Field(None, min_length=2, max_length=8)


class AccountFilter(FilterSchema):
    segment: Segment | None = None
    country: str | None = None
    number: str | None = None
    name: Annotated[str | None, FilterLookup("name__icontains", expression_connector="AND")] = None


class PhoneOut(Schema):
    number: str
    display: str
    kind: PhoneKind

    @staticmethod
    def resolve_display(obj: Any) -> str:
        return display(obj.number)


class PhoneIn(Schema):
    number: str = Field(min_length=3, max_length=40, description="Any common format")
    kind: PhoneKind = PhoneKind.OFFICE


class VerificationIn(Schema):
    question: str = Field(min_length=3, max_length=200)
    answer: str = Field(min_length=1, max_length=200)


class ContactOut(Schema):
    id: int
    account_id: int
    first_name: str
    last_name: str
    language: str
    job_title: str
    is_active: bool
    phones: list[PhoneOut]
    emails: list[str]
    verification_questions: list[str]

    @staticmethod
    def resolve_emails(obj: Any) -> list[str]:
        return [email.address for email in obj.emails.all()]

    @staticmethod
    def resolve_phones(obj: Any) -> list[Any]:
        return list(obj.phones.all())

    @staticmethod
    def resolve_verification_questions(obj: Any) -> list[str]:
        return [v.question for v in obj.verifications.all()]


class ContactIn(Schema):
    account_id: int
    first_name: str = Field("", max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    language: str = Field("", max_length=8, description="Default: the account's language")
    job_title: str = Field("", max_length=120)
    phones: list[PhoneIn] = []
    emails: list[str] = []
    verifications: list[VerificationIn] = []


class ContactPatch(Schema):
    account_id: int | None = None
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, min_length=1, max_length=100)
    language: str | None = Field(None, min_length=2, max_length=8)
    job_title: str | None = Field(None, max_length=120)
    is_active: bool | None = None
    phones: list[PhoneIn] | None = None
    emails: list[str] | None = None
    verifications: list[VerificationIn] | None = None


class ContactFilter(FilterSchema):
    account_id: int | None = None
    is_active: bool | None = None
    last_name: Annotated[
        str | None, FilterLookup("last_name__icontains", expression_connector="AND")
    ] = None


class VerifyIn(Schema):
    answers: dict[str, str] = Field(description="question → the caller's answer")


class VerifyOut(Schema):
    verified: bool
    wrong: list[str]


class ProductOut(Schema):
    id: int
    code: str
    name: str
    product_line: str


class ProductIn(Schema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    product_line: str = Field("", max_length=120)


class ProductPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    product_line: str | None = Field(None, max_length=120)


class ProductFilter(FilterSchema):
    code: str | None = None
    product_line: str | None = None
    name: Annotated[str | None, FilterLookup("name__icontains", expression_connector="AND")] = None


class VersionOut(Schema):
    id: int
    product_id: int
    version: str
    released_on: date | None
    end_of_support: date | None


class VersionIn(Schema):
    product_id: int
    version: str = Field(min_length=1, max_length=40)
    released_on: date | None = None
    end_of_support: date | None = None


class VersionPatch(Schema):
    released_on: date | None = None
    end_of_support: date | None = None


class VersionFilter(FilterSchema):
    product_id: int | None = None


class LicenceOut(Schema):
    id: int
    pid: str
    account_id: int
    product_id: int
    version_id: int | None
    purchased_on: date | None


class LicenceIn(Schema):
    pid: str = Field(min_length=1, max_length=64)
    account_id: int
    product_id: int
    version_id: int | None = None
    purchased_on: date | None = None


class LicencePatch(Schema):
    account_id: int | None = None
    version_id: int | None = None
    purchased_on: date | None = None


class LicenceFilter(FilterSchema):
    account_id: int | None = None
    product_id: int | None = None
    pid: str | None = None


class MatchOut(Schema):
    account: AccountOut
    contact: ContactOut | None
    matched_on: str
    score: float


class ContractStatusOut(Schema):
    id: int
    number: str
    plan: str
    coverage: str
    starts_on: date
    ends_on: date
    state: str
    l1_partner: str | None
    products: list[str]
    allowances: list[AllowanceOut]


class LicenceDetailOut(Schema):
    pid: str
    product: str
    product_code: str
    version: str | None
    purchased_on: date | None


class CustomerFileOut(Schema):
    account: AccountOut
    covered: bool
    contacts: list[ContactOut]
    contracts: list[ContractStatusOut]
    licences: list[LicenceDetailOut]
    open_incidents: list[dict[str, Any]]
