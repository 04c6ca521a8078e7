"""WebSocket routes of the console."""

from django.urls import path

from escalade.telephony.consumers import ConsoleConsumer

websocket_urlpatterns = [
    path("ws/console/", ConsoleConsumer.as_asgi()),
]
