"""The REST API: one NinjaAPI, one router per domain, clear 4xx errors."""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from escalade.contactcenter.api import router as acd_router
from escalade.contracts.api import router as contracts_router
from escalade.contracts.eligibility import reason_messages
from escalade.core.api import router as tokens_router
from escalade.core.auth import ConsoleSessionAuth, TokenAuth
from escalade.customers.api import router as customers_router
from escalade.desk.api import router as desk_router
from escalade.incidents.api import router as incidents_router
from escalade.incidents.intake import NotCovered
from escalade.network.api import router as network_router
from escalade.telephony.acd_api import router as acd_calls_router
from escalade.telephony.api import calls_router, cti_router
from escalade.telephony.sip_api import sip_router
from escalade.webhooks.api import router as webhooks_router

api = NinjaAPI(
    title="Escalade API",
    version="1",
    description=(
        "The REST API of Escalade: support network, customers, contracts and lookups. "
        "Authenticate with `Authorization: Bearer <token>` (integrations) or the console "
        "session (with its CSRF token). Every list is paginated with `limit` and `offset`."
    ),
    auth=[TokenAuth(), ConsoleSessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
)
api.add_router("/network", network_router)
api.add_router("/customers", customers_router)
api.add_router("/customers", desk_router)
api.add_router("/incidents", incidents_router)
api.add_router("/contracts", contracts_router)
api.add_router("/tokens", tokens_router)
api.add_router("/webhooks", webhooks_router)
api.add_router("/cti", cti_router)
api.add_router("/calls", calls_router)
api.add_router("/acd", acd_router)
api.add_router("/acd", acd_calls_router)
api.add_router("/sip", sip_router)


def _message_dict(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


@api.exception_handler(NotCovered)
def on_not_covered(request: HttpRequest, exc: NotCovered) -> HttpResponse:
    return api.create_response(
        request,
        {
            "detail": " ".join(reason_messages(exc.reasons)),
            "reasons": exc.reasons,
            "messages": reason_messages(exc.reasons),
            "choices": ["override", "paid"],
        },
        status=422,
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = _message_dict(exc)
    field, messages = next(iter(errors.items()), ("__all__", ["Invalid data."]))
    first = messages[0] if field in {"__all__", NON_FIELD_ERRORS} else f"{field}: {messages[0]}"
    return api.create_response(request, {"detail": first, "errors": errors}, status=422)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: list[dict[str, Any]] = []
    for error in exc.errors:
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        errors.append({"field": location, "message": error.get("msg", "invalid")})
    first = errors[0] if errors else {"field": "", "message": "Invalid request."}
    detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "You may not do this."}, status=403)


@api.exception_handler(ProtectedError)
def on_protected(request: HttpRequest, exc: ProtectedError) -> HttpResponse:
    count = len(exc.protected_objects)
    return api.create_response(
        request,
        {"detail": f"Still in use by {count} other record(s); remove or move them first."},
        status=409,
    )


@api.exception_handler(IntegrityError)
def on_integrity(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": "This conflicts with an existing record (a unique value is already taken)."},
        status=409,
    )
