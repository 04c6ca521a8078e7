"""Writes of integration tokens."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from escalade.core.audit import record
from escalade.core.models import ApiToken, hash_token


def do_create_api_token(*, actor: Any, user: Any, name: str) -> tuple[ApiToken, str]:
    """A new token for the user; the raw value is returned once and never stored."""
    raw = ApiToken.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, key_hash=hash_token(raw))
        record(
            actor=actor, action="create_token", obj=token, summary=f"API token {name} for {user}"
        )
    return token, raw


def do_revoke_api_token(*, actor: Any, token: ApiToken) -> ApiToken:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record(actor=actor, action="revoke_token", obj=token, summary=f"Revoked {token.name}")
    return token
