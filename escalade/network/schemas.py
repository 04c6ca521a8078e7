"""API shapes of the support network."""

from typing import Annotated, Any

from ninja import Field, FilterLookup, FilterSchema, Schema
from pydantic import field_validator

from escalade.core.roles import Role
from escalade.network.models import OrganizationKind, SkillKind

Country = Field(min_length=2, max_length=2, pattern="^[A-Z]{2}$", description="ISO 3166 code")


class OrganizationOut(Schema):
    id: int
    name: str
    kind: OrganizationKind
    country: str
    served_countries: list[str]


class OrganizationIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    kind: OrganizationKind
    country: str = Field("", max_length=2)
    served_countries: list[str] = []


class OrganizationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    kind: OrganizationKind | None = None
    country: str | None = Field(None, max_length=2)
    served_countries: list[str] | None = None


class OrganizationFilter(FilterSchema):
    kind: OrganizationKind | None = None
    country: str | None = None
    name: Annotated[str | None, FilterLookup("name__icontains", expression_connector="AND")] = None


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    always_open: bool
    weekly_hours: dict[str, list[list[str]]]
    holiday_country: str
    holiday_subdivision: str
    closed_dates: list[str]


class CalendarIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    time_zone: str
    always_open: bool = False
    weekly_hours: dict[str, list[list[str]]] = Field(
        default_factory=dict,
        description='Opening windows per weekday: {"mon": [["09:00", "18:00"]], ...}',
    )
    holiday_country: str = Field("", max_length=2)
    holiday_subdivision: str = Field("", max_length=10)
    closed_dates: list[str] = []


class CalendarPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    time_zone: str | None = None
    always_open: bool | None = None
    weekly_hours: dict[str, list[list[str]]] | None = None
    holiday_country: str | None = Field(None, max_length=2)
    holiday_subdivision: str | None = Field(None, max_length=10)
    closed_dates: list[str] | None = None


class CalendarFilter(FilterSchema):
    name: Annotated[str | None, FilterLookup("name__icontains", expression_connector="AND")] = None


class SiteOut(Schema):
    id: int
    organization_id: int
    name: str
    country: str
    time_zone: str
    calendar_id: int | None


class SiteIn(Schema):
    organization_id: int
    name: str = Field(min_length=1, max_length=120)
    country: str = Country
    time_zone: str
    calendar_id: int | None = None


class SitePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    country: str | None = Field(None, min_length=2, max_length=2, pattern="^[A-Z]{2}$")
    time_zone: str | None = None
    calendar_id: int | None = None


class SiteFilter(FilterSchema):
    organization_id: int | None = None
    country: str | None = None


class TierOut(Schema):
    id: int
    code: str
    name: str
    rank: int


class TierIn(Schema):
    code: str = Field(min_length=1, max_length=10)
    name: str = Field(min_length=1, max_length=80)
    rank: int = Field(ge=0, le=1000)


class TierPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=10)
    name: str | None = Field(None, min_length=1, max_length=80)
    rank: int | None = Field(None, ge=0, le=1000)


class TierFilter(FilterSchema):
    code: str | None = None


class SkillOut(Schema):
    id: int
    kind: SkillKind
    code: str
    name: str


class SkillIn(Schema):
    kind: SkillKind
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=120)


class SkillPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)


class SkillFilter(FilterSchema):
    kind: SkillKind | None = None
    code: str | None = None


class TeamOut(Schema):
    id: int
    organization_id: int
    site_id: int | None
    tier_id: int
    name: str


class TeamIn(Schema):
    organization_id: int
    site_id: int | None = None
    tier_id: int
    name: str = Field(min_length=1, max_length=120)


class TeamPatch(Schema):
    site_id: int | None = None
    tier_id: int | None = None
    name: str | None = Field(None, min_length=1, max_length=120)


class TeamFilter(FilterSchema):
    organization_id: int | None = None
    tier_id: int | None = None


class QueueOut(Schema):
    id: int
    name: str
    organization_id: int
    site_id: int | None
    tier_id: int
    team_id: int | None
    required_skills: list[int]

    @staticmethod
    def resolve_required_skills(obj: Any) -> list[int]:
        return [skill.pk for skill in obj.required_skills.all()]


class QueueIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    organization_id: int
    site_id: int | None = None
    tier_id: int
    team_id: int | None = None
    required_skills: list[int] = []


class QueuePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    site_id: int | None = None
    tier_id: int | None = None
    team_id: int | None = None
    required_skills: list[int] | None = None


class QueueFilter(FilterSchema):
    organization_id: int | None = None
    tier_id: int | None = None
    site_id: int | None = None


class SkillLevel(Schema):
    skill_id: int
    proficiency: int = Field(3, ge=1, le=5)


class AgentOut(Schema):
    id: int
    username: str = Field(alias="user.username")
    first_name: str = Field(alias="user.first_name")
    last_name: str = Field(alias="user.last_name")
    email: str = Field(alias="user.email")
    organization_id: int
    site_id: int | None
    tier_id: int
    team_id: int | None
    role: Role
    languages: list[str]
    is_active: bool
    skills: list[SkillLevel]

    @staticmethod
    def resolve_skills(obj: Any) -> list[dict[str, int]]:
        return [
            {"skill_id": level.skill_id, "proficiency": level.proficiency}
            for level in obj.skill_levels.all()
        ]


class AgentIn(Schema):
    username: str = Field(min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    password: str | None = Field(None, min_length=8)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    email: str = Field("", max_length=254)
    organization_id: int
    site_id: int | None = None
    tier_id: int
    team_id: int | None = None
    role: Role = Role.INTERNAL_AGENT
    languages: list[str] = []
    skills: list[SkillLevel] = []

    @field_validator("role")
    @classmethod
    def not_customer(cls, value: Role) -> Role:
        if value == Role.CUSTOMER:
            raise ValueError("an agent cannot have the customer role")
        return value


class AgentPatch(Schema):
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    email: str | None = Field(None, max_length=254)
    site_id: int | None = None
    tier_id: int | None = None
    team_id: int | None = None
    role: Role | None = None
    languages: list[str] | None = None
    is_active: bool | None = None
    skills: list[SkillLevel] | None = None


class AgentFilter(FilterSchema):
    organization_id: int | None = None
    site_id: int | None = None
    tier_id: int | None = None
    role: Role | None = None
    is_active: bool | None = None
