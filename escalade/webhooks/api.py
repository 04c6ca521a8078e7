"""REST routes of webhook endpoints and their deliveries: administrators only."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from escalade.core.crud import Resource, register
from escalade.core.roles import Role
from escalade.core.rules import allow, current_principal
from escalade.webhooks import queries
from escalade.webhooks import schemas as s
from escalade.webhooks.actions import do_create_endpoint, do_retry_delivery, do_rotate_secret
from escalade.webhooks.models import WebhookEndpoint

router = Router(tags=["Webhooks"])
ADMIN = (Role.ADMINISTRATOR,)

# List, read, update and delete; creation is below, since only its answer shows the secret.
register(
    router,
    Resource(
        "webhook_endpoint",
        "/endpoints",
        WebhookEndpoint,
        s.EndpointOut,
        None,
        s.EndpointPatch,
        s.EndpointFilter,
        queries.endpoints,
        read=ADMIN,
        write=ADMIN,
    ),
)


@router.post(
    "/endpoints",
    response={201: s.EndpointWithSecret},
    operation_id="create_webhook_endpoint",
    summary="Create a webhook endpoint (its secret is shown in this answer only)",
    auth=allow(*ADMIN),
)
def create_endpoint(request: HttpRequest, payload: s.EndpointIn) -> Any:
    endpoint = do_create_endpoint(actor=request.user, data=payload.dict())
    return Status(201, endpoint)


@router.post(
    "/endpoints/{int:pk}/rotate-secret",
    response=s.EndpointWithSecret,
    operation_id="rotate_webhook_endpoint_secret",
    summary="Replace an endpoint's signing secret (the new one is shown in this answer only)",
    auth=allow(*ADMIN),
)
def rotate_secret(request: HttpRequest, pk: int) -> Any:
    endpoint = get_object_or_404(queries.endpoints(current_principal(request)), pk=pk)
    return do_rotate_secret(actor=request.user, endpoint=endpoint)


@router.get(
    "/deliveries",
    response=list[s.DeliveryOut],
    operation_id="list_webhook_deliveries",
    summary="List webhook deliveries, newest first",
    auth=allow(*ADMIN),
)
@paginate(LimitOffsetPagination)
def list_deliveries(request: HttpRequest, filters: Query[s.DeliveryFilter]) -> Any:
    return filters.filter(queries.deliveries(current_principal(request)))


@router.get(
    "/deliveries/{int:pk}",
    response=s.DeliveryOut,
    operation_id="get_webhook_delivery",
    summary="Read a webhook delivery",
    auth=allow(*ADMIN),
)
def get_delivery(request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(queries.deliveries(current_principal(request)), pk=pk)


@router.post(
    "/deliveries/{int:pk}/retry",
    response=s.DeliveryOut,
    operation_id="retry_webhook_delivery",
    summary="Queue a failed delivery again, now",
    auth=allow(*ADMIN),
)
def retry_delivery(request: HttpRequest, pk: int) -> Any:
    delivery = get_object_or_404(queries.deliveries(current_principal(request)), pk=pk)
    return do_retry_delivery(actor=request.user, delivery=delivery)
