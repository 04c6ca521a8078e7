"""ASGI entry point: the Django pages and API over HTTP, the console's live events over
WebSocket (screen pop). ``manage.py runserver`` serves it through Daphne."""

import os
from typing import Any

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.db import connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escalade.settings")
# Django is set up here, before anything imports models (the consumers do).
django.setup(set_prefix=False)


class RequestConnectionsClosed(ASGIHandler):
    """Django's ASGI handler, closing each request's database connections with it.

    A sync view runs in a thread and an asyncio task of its own request, and the
    connections it opens belong to that task's context. Django closes connections on
    ``request_finished``, which it sends from the handler's outer context: it never sees
    them, and each request's connection stays open until the garbage collector finds it
    (under load PostgreSQL refuses new clients past ``max_connections``, and every
    request then fails). Closing them here, in the request's own context and thread, as
    soon as its response is ready, fixes that; no later request could reuse them anyway,
    since each one has a context of its own (a connection pool, ``OPTIONS["pool"]``,
    takes them back instead).
    """

    async def run_get_response(self, request: Any) -> Any:
        try:
            return await super().run_get_response(request)
        finally:
            await sync_to_async(connections.close_all)()


django_application = RequestConnectionsClosed()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from escalade.telephony.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
