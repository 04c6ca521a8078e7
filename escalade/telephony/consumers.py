"""The console's WebSocket: each signed-in agent listens to the calls offered to them."""

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from escalade.telephony.live import agent_group
from escalade.telephony.pop import Viewer, pop_message, viewer_for

# Close code of a refused socket (4000-4999 are the application's own).
REFUSED = 4403


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


class ConsoleConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """Joins ``agent-<id>``; sends the screen pop of each call event for that agent.

    Only active staff with an agent profile are accepted; anyone else is refused
    during the handshake. The browser sends nothing; what it sends is ignored.
    """

    viewer: Viewer | None = None
    group: str = ""

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.viewer = await database_sync_to_async(viewer_for)(
            user,
            cookies=self.scope.get("cookies", {}),
            accept_language=_header(self.scope, b"accept-language"),
        )
        if self.viewer is None:
            await self.close(code=REFUSED)
            return
        self.group = agent_group(self.viewer.agent_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        return None

    async def call_event(self, event: dict[str, Any]) -> None:
        """A call offered, ringing, answered, held or ended for this agent: pop it."""
        if self.viewer is None:
            return
        message = await database_sync_to_async(pop_message)(self.viewer, event["call"])
        await self.send_json(message)
