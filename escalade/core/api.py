"""REST routes of one's own API tokens."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from escalade.core.actions import do_create_api_token, do_revoke_api_token
from escalade.core.models import ApiToken
from escalade.core.roles import STAFF_ROLES
from escalade.core.rules import allow, current_principal

router = Router(tags=["API tokens"])
STAFF = tuple(sorted(STAFF_ROLES))


class TokenOut(Schema):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="Shown once: keep it now")


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)


@router.get("", response=list[TokenOut], summary="My API tokens", auth=allow(*STAFF))
def list_tokens(request: HttpRequest) -> Any:
    return ApiToken.objects.filter(user_id=current_principal(request).user_id).order_by(
        "-created_at"
    )


@router.post(
    "", response={201: TokenCreated}, summary="Create an API token acting as me", auth=allow(*STAFF)
)
def create_token(request: HttpRequest, payload: TokenIn) -> Any:
    token, raw = do_create_api_token(actor=request.user, user=request.user, name=payload.name)
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.delete(
    "/{int:pk}", response={204: None}, summary="Revoke one of my API tokens", auth=allow(*STAFF)
)
def revoke_token(request: HttpRequest, pk: int) -> Any:
    token = get_object_or_404(ApiToken, pk=pk, user_id=current_principal(request).user_id)
    do_revoke_api_token(actor=request.user, token=token)
    return Status(204, None)
