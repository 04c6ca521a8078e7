"""Standard list / read / create / update / delete routes of a registry resource.

The routes read through the resource's scope (what the caller may see), so an
object outside it is a 404, never a leak; writes go through audited actions.
"""

# Annotations are evaluated here on purpose: django-ninja reads the closures'
# parameter types (the resource's own schemas) at registration time.
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import FilterSchema, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from escalade.core.principal import Principal
from escalade.core.records import do_create_record, do_delete_record, do_update_record
from escalade.core.roles import Role
from escalade.core.rules import allow, current_principal

Scope = Callable[[Principal], QuerySet[Any]]
CreateAction = Callable[[Principal, Any, dict[str, Any]], models.Model]
UpdateAction = Callable[[Principal, Any, models.Model, dict[str, Any]], models.Model]


def _check_partner_owns(model: type[models.Model], principal: Principal, owner: Any) -> None:
    """Partner staff change only records of their own organisation, nothing center-wide."""
    has_owner = any(f.name == "organization" for f in model._meta.get_fields())
    if not has_owner or owner != principal.organization_id:
        raise PermissionDenied(_("You can only change records of your own organisation."))


def _default_create(model: type[models.Model], many: Iterable[str]) -> CreateAction:
    def create(principal: Principal, actor: Any, data: dict[str, Any]) -> models.Model:
        if principal.is_partner_staff:
            _check_partner_owns(model, principal, data.get("organization_id"))
        relations = {name: data.pop(name) for name in many if name in data}
        return do_create_record(actor=actor, model=model, data=data, many=relations)

    return create


def _default_update(many: Iterable[str]) -> UpdateAction:
    def update(
        principal: Principal, actor: Any, instance: models.Model, data: dict[str, Any]
    ) -> models.Model:
        if principal.is_partner_staff:
            _check_partner_owns(
                type(instance), principal, getattr(instance, "organization_id", None)
            )
            if "organization_id" in data:
                _check_partner_owns(type(instance), principal, data["organization_id"])
        relations = {name: data.pop(name) for name in many if name in data}
        return do_update_record(actor=actor, instance=instance, data=data, many=relations)

    return update


@dataclass
class Resource:
    """A registry resource: its schemas, its scope and who may read or write it."""

    name: str  # singular, for operation ids: "site"
    path: str  # "/sites"
    model: type[models.Model]
    out: type[Schema]
    create_in: type[Schema] | None
    update_in: type[Schema] | None
    filters: type[FilterSchema]
    scope: Scope
    read: tuple[Role, ...]
    write: tuple[Role, ...] = (Role.ADMINISTRATOR,)
    many: tuple[str, ...] = ()
    can_delete: bool = True
    create: CreateAction | None = None
    update: UpdateAction | None = None
    select_related: tuple[str, ...] = field(default_factory=tuple)


def register(router: Router, res: Resource) -> None:
    create_action = res.create or _default_create(res.model, res.many)
    update_action = res.update or _default_update(res.many)
    plural = str(res.model._meta.verbose_name_plural)
    singular = str(res.model._meta.verbose_name)
    out = res.out
    filters = res.filters

    def scoped(request: HttpRequest) -> QuerySet[Any]:
        queryset = res.scope(current_principal(request))
        return queryset.select_related(*res.select_related) if res.select_related else queryset

    @router.get(
        res.path,
        response=list[out],  # type: ignore[valid-type]
        operation_id=f"list_{res.name}s",
        summary=f"List {plural}",
        auth=allow(*res.read),
    )
    @paginate(LimitOffsetPagination)
    def list_records(request: HttpRequest, filters: Query[filters]) -> Any:  # type: ignore[valid-type]
        return filters.filter(scoped(request))  # type: ignore[attr-defined]

    @router.get(
        f"{res.path}/{{int:pk}}",
        response=out,
        operation_id=f"get_{res.name}",
        summary=f"Read a {singular}",
        auth=allow(*res.read),
    )
    def get_record(request: HttpRequest, pk: int) -> Any:
        return get_object_or_404(scoped(request), pk=pk)

    if res.create_in is not None:
        create_in = res.create_in

        @router.post(
            res.path,
            response={201: out},
            operation_id=f"create_{res.name}",
            summary=f"Create a {singular}",
            auth=allow(*res.write),
        )
        def create_record(request: HttpRequest, payload: create_in) -> Any:  # type: ignore[valid-type]
            principal = current_principal(request)
            with transaction.atomic():
                instance = create_action(principal, request.user, payload.dict())  # type: ignore[attr-defined]
                created = scoped(request).filter(pk=instance.pk).first()
                if created is None:
                    # Written outside what the caller may see: undo it, refuse.
                    raise PermissionDenied(_("You may not create this record there."))
            return Status(201, created)

    if res.update_in is not None:
        update_in = res.update_in

        @router.patch(
            f"{res.path}/{{int:pk}}",
            response=out,
            operation_id=f"update_{res.name}",
            summary=f"Update a {singular}",
            auth=allow(*res.write),
        )
        def update_record(request: HttpRequest, pk: int, payload: update_in) -> Any:  # type: ignore[valid-type]
            principal = current_principal(request)
            instance = get_object_or_404(scoped(request), pk=pk)
            data = payload.dict(exclude_unset=True)  # type: ignore[attr-defined]
            update_action(principal, request.user, instance, data)
            return get_object_or_404(scoped(request), pk=pk)

    if res.can_delete:

        @router.delete(
            f"{res.path}/{{int:pk}}",
            response={204: None},
            operation_id=f"delete_{res.name}",
            summary=f"Delete a {singular}",
            auth=allow(*res.write),
        )
        def delete_record(request: HttpRequest, pk: int) -> Any:
            instance = get_object_or_404(scoped(request), pk=pk)
            do_delete_record(actor=request.user, instance=instance)
            return Status(204, None)
