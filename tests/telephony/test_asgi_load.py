"""A burst of CTI events served by the ASGI application, as Daphne serves them.

Each request runs its view in a thread of its own (Django's ASGI handler), so what a
request keeps for later (a database connection, a channel-layer connection) is kept by a
thread that never comes back. These tests post bursts of ``newCall`` events through
``escalade.asgi.application`` and check that the server keeps working: every pop
arrives, and the database is not left with a connection per request (the PostgreSQL
server refuses new clients past ``max_connections``, and every request then fails).
"""

import asyncio
import json
import socket
import uuid
from typing import Any

import pytest
from channels.layers import get_channel_layer
from channels.testing import HttpCommunicator
from django.db import connection

from escalade.asgi import application
from escalade.core.roles import Role
from tests.factories import World
from tests.telephony.conftest import HOTLINE, MARIE_AS_DIALLED
from tests.telephony.test_screen_pop import WAIT, console_socket, run

pytestmark = pytest.mark.django_db(transaction=True)

BURST = 40  # more than a connection pool holds, fewer than a server's max_connections
REDIS = ("127.0.0.1", 6379)


def newcall(token: str, call_id: str) -> HttpCommunicator:
    """``POST /api/cti/events`` through the ASGI application, as the PBX bridge sends it."""
    body = {
        "event": "newCall",
        "from": MARIE_AS_DIALLED,
        "to": HOTLINE,
        "direction": "in",
        "callId": call_id,
        "user": ["ines.internal"],
    }
    return HttpCommunicator(
        application,
        "POST",
        "/api/cti/events",
        body=json.dumps(body).encode(),
        headers=[
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {token}".encode()),
        ],
    )


async def post_burst(token: str, prefix: str, *, at_once: bool = True) -> list[int]:
    """The statuses of BURST newCall events, posted at once or one after the other."""
    calls = [newcall(token, f"{prefix}-{n}") for n in range(BURST)]
    if at_once:
        replies = await asyncio.gather(*(call.get_response(timeout=30) for call in calls))
    else:
        replies = [await call.get_response(timeout=30) for call in calls]
    return [int(reply["status"]) for reply in replies]


def server_connections() -> int:
    """Sessions open on the test database (this test's own included)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        row = cursor.fetchone()
    return int(row[0])


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="connections are counted on PostgreSQL"
)
def test_a_burst_of_calls_does_not_leave_a_database_connection_per_request(
    world: World, bridge_token: str
) -> None:
    before = server_connections()

    async def scenario() -> None:
        # When the PBX reports a burst of calls at once
        statuses = await post_burst(bridge_token, "burst")
        # Then every event is recorded
        assert statuses == [200] * BURST

    run(scenario)
    # And the requests' threads have not each left a connection open on the server
    assert server_connections() - before < BURST // 2


def redis_reachable() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.2).close()
    except OSError:
        return False
    return True


@pytest.fixture
def redis_layer(settings: Any) -> None:
    """The Redis channel layer, with a prefix of its own (other test runs share Redis)."""
    if not redis_reachable():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [f"redis://{REDIS[0]}:{REDIS[1]}/0"],
                "prefix": f"escalade-test-{uuid.uuid4().hex[:8]}",
            },
        }
    }
    assert type(get_channel_layer()).__name__ == "RedisChannelLayer"


def test_every_pop_of_a_burst_arrives_through_redis(
    world: World, bridge_token: str, redis_layer: None
) -> None:
    ines = console_socket(world.users[Role.INTERNAL_AGENT])

    async def scenario() -> None:
        # Given Inès's console, listening through the Redis channel layer
        assert (await ines.connect())[0]
        # When a burst of calls rings her, each event sent from its request's thread
        # (at once on PostgreSQL; the in-memory SQLite test database fails concurrent
        # writers at once instead of making them wait)
        statuses = await post_burst(
            bridge_token, "redis", at_once=connection.vendor == "postgresql"
        )
        assert statuses == [200] * BURST
        # Then her console pops every one of them
        popped = set()
        for _ in range(BURST):
            pop = await ines.receive_json_from(timeout=WAIT)
            assert "Dupont Industrie" in pop["html"]
            popped.add(pop["call"]["call_id"])
        assert popped == {f"redis-{n}" for n in range(BURST)}
        await ines.disconnect()

    run(scenario)
