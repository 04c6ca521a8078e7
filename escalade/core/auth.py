"""API authentication: bearer tokens for integrations, the session for the web console."""

import copy
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from escalade.core.compiled import CompiledQuery
from escalade.core.models import ApiToken, hash_token
from escalade.core.refcache import Keyed


def _load_user(user_id: int) -> Any:
    # The principal needs the agent, its organisation and site: one query for all.
    return (
        get_user_model()
        .objects.select_related("agent__organization", "agent__site", "contact__account")
        .filter(pk=user_id, is_active=True)
        .first()
    )


# Integrations call with the same few tokens all day: their users and profiles are kept per
# process. The token itself is checked on every call, so a revoked token stops at once; a
# deactivated user or a changed role applies everywhere within the reference lifetime.
TOKEN_USERS: Keyed[int, Any] = Keyed(
    "API token users",
    _load_user,
    (
        "auth.User",
        "network.Agent",
        "network.SupportOrganization",
        "network.Site",
        "customers.Contact",
        "customers.Account",
    ),
)


LIVE_TOKEN = CompiledQuery(
    lambda key_hash: ApiToken.objects.filter(key_hash=key_hash, revoked_at__isnull=True).only(
        "pk", "user_id", "last_used_at"
    ),
    key_hash=str,
)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer esc_…``; the token acts as its user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = LIVE_TOKEN.run(key_hash=hash_token(token))
        if not found:
            return None
        token_id, user_id, last_used_at = found[0].pk, found[0].user_id, found[0].last_used_at
        kept = TOKEN_USERS.get(user_id)
        if kept is None:
            return None
        # Each request gets its own copy: the kept one is shared by the process's threads.
        user = copy.copy(kept)
        now = timezone.now()
        # Touch at most once a minute: a busy integration must not write on every call.
        if last_used_at is None or (now - last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
        request.user = user
        return user


class ConsoleSessionAuth(SessionAuth):
    """The signed-in console user; unsafe methods need the CSRF token, as any Django form."""
