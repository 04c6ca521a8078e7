"""Records that are written once and never changed: histories, ledgers, logs."""

from typing import Any, ClassVar

from django.db import models


class AppendOnlyModel(models.Model):
    """Saving an existing row raises: corrections are new rows, never edits.

    A model that must not lose rows one by one either sets ``deletable = False``;
    whole histories still go with their owner (cascades delete through querysets).
    """

    append_only_message: ClassVar[str] = "These records are append-only."
    deletable: ClassVar[bool] = True

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError(self.append_only_message)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if not self.deletable:
            raise ValueError(self.append_only_message)
        return super().delete(*args, **kwargs)
