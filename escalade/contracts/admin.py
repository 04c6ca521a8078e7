from django.contrib import admin

from escalade.contracts.models import (
    Contract,
    Entitlement,
    EntitlementEntry,
    ServicePlan,
    ServiceTarget,
)
from escalade.core.admin import ReadOnlyAdmin


class TargetInline(admin.TabularInline[ServiceTarget, ServicePlan]):
    model = ServiceTarget
    extra = 0


@admin.register(ServicePlan)
class PlanAdmin(admin.ModelAdmin[ServicePlan]):
    list_display = ("code", "name", "coverage", "calendar")
    inlines = [TargetInline]


class EntitlementInline(admin.TabularInline[Entitlement, Contract]):
    model = Entitlement
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin[Contract]):
    list_display = ("number", "account", "plan", "starts_on", "ends_on", "l1_partner")
    list_filter = ("plan", "l1_partner")
    search_fields = ("number", "account__search_name")
    raw_id_fields = ("account",)
    filter_horizontal = ("products",)
    inlines = [EntitlementInline]


@admin.register(EntitlementEntry)
class LedgerAdmin(ReadOnlyAdmin):
    """Read-only: the ledger changes through refund entries, made by the API."""

    list_display = ("occurred_at", "entitlement", "kind", "quantity", "reference", "actor")
    list_filter = ("kind",)
