"""Audited writes of registry records: one transaction, validation, audit entry.

Domain actions with rules of their own call these after their checks; plain
registry records (organisations, tiers, products…) use them directly.
"""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from escalade.core.audit import record

M = TypeVar("M", bound=models.Model)


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def apply_fields(instance: models.Model, data: Mapping[str, Any]) -> dict[str, Any]:
    """Set plain and foreign-key fields from data; returns {field: [old, new]} of what changed."""
    changes: dict[str, Any] = {}
    for name, value in data.items():
        old = getattr(instance, name)
        if old != value:
            changes[name] = [_jsonable(old), _jsonable(value)]
            setattr(instance, name, value)
    return changes


def set_many(instance: models.Model, relations: Mapping[str, Iterable[Any]]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, values in relations.items():
        manager = getattr(instance, name)
        new = sorted(v.pk if isinstance(v, models.Model) else v for v in values)
        old = sorted(manager.values_list("pk", flat=True))
        if new != old:
            manager.set(new)
            changes[name] = [old, new]
    return changes


def validate(instance: models.Model) -> None:
    instance.full_clean(validate_unique=True, validate_constraints=True)


def do_create_record(
    *,
    actor: Any,
    model: type[M],
    data: Mapping[str, Any],
    many: Mapping[str, Iterable[Any]] | None = None,
) -> M:
    with transaction.atomic():
        instance = model(**data)
        validate(instance)
        instance.save()
        changes = {k: [None, _jsonable(v)] for k, v in data.items()}
        if many:
            changes |= set_many(instance, many)
        record(
            actor=actor,
            action="create",
            obj=instance,
            summary=f"Created {model._meta.verbose_name} {instance}",
            changes=changes,
        )
    return instance


def do_update_record(
    *,
    actor: Any,
    instance: M,
    data: Mapping[str, Any],
    many: Mapping[str, Iterable[Any]] | None = None,
) -> M:
    with transaction.atomic():
        changes = apply_fields(instance, data)
        if changes:
            validate(instance)
            instance.save()
        if many:
            changes |= set_many(instance, many)
        if changes:
            record(
                actor=actor,
                action="update",
                obj=instance,
                summary=f"Updated {instance._meta.verbose_name} {instance}",
                changes=changes,
            )
    return instance


def do_delete_record(*, actor: Any, instance: models.Model) -> None:
    """Delete a record nothing depends on; a protected one raises ProtectedError (→ 409)."""
    with transaction.atomic():
        label = str(instance)
        record(
            actor=actor,
            action="delete",
            obj=instance,
            summary=f"Deleted {instance._meta.verbose_name} {label}",
        )
        instance.delete()


__all__ = [
    "ValidationError",
    "do_create_record",
    "do_delete_record",
    "do_update_record",
]
