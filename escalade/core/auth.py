"""API authentication: bearer tokens for integrations, the session for the web console."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from escalade.core.models import ApiToken, hash_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer esc_…``; the token acts as its user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = (
            # The principal needs the agent, its organisation and site: one query for all.
            ApiToken.objects.select_related(
                "user", "user__agent__organization", "user__agent__site", "user__contact__account"
            )
            .filter(key_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        now = timezone.now()
        # Touch at most once a minute: a busy integration must not write on every call.
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user


class ConsoleSessionAuth(SessionAuth):
    """The signed-in console user; unsafe methods need the CSRF token, as any Django form."""
