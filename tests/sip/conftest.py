"""SIP fixtures: the binaries (skip without them, unless ESCALADE_REQUIRE_SIP=1), the
proxy's integration user and token, the support numbers, the L2 queue, the ACD."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings

from escalade.contactcenter.models import AcdState
from escalade.contactcenter.service import service
from escalade.core.actions import do_create_api_token
from escalade.core.roles import Role
from escalade.network.models import Queue
from tests.factories import World, make_user
from tests.sip.harness import HarnessError, Kamailio, sip_tools

# The support numbers: L1 (Callwave, Lille) and L2 (Paris), as the callers dial them.
L1_NUMBER = "+33170360000"
L2_NUMBER = "+33170360099"
# Marie Durand's number as her phone sends it (national format).
MARIE = "0142685300"

# The extensions the agents' phones register as (given when they log in to the ACD).
EXTENSIONS = {"paul.partner": "2001", "ines.internal": "3001", "sophie.supervisor": "3002"}

INSTALL = "apt-get install kamailio kamailio-utils-modules kamailio-json-modules sip-tester"


def _unavailable(message: str) -> None:
    if os.environ.get("ESCALADE_REQUIRE_SIP") == "1":
        pytest.fail(f"{message} ESCALADE_REQUIRE_SIP=1 requires the SIP tests to run.")
    pytest.skip(message)


@pytest.fixture(scope="session")
def sip_binaries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """kamailio and sipp, and a configuration kamailio accepts (its modules are there)."""
    found = sip_tools()
    missing = [name for name, path in found.items() if not path]
    if missing:
        _unavailable(f"{' and '.join(missing)} not found ({INSTALL}).")
    probe = Kamailio(
        workdir=Path(tmp_path_factory.mktemp("kamailio-check")),
        escalade_url="http://127.0.0.1:9",
        token="check",
        port=5060,
    )
    try:
        probe.check()
    except HarnessError as exc:
        _unavailable(f"Kamailio cannot load deploy/kamailio/kamailio.cfg ({INSTALL}): {exc}")
    return found


@pytest.fixture
def proxy_token(world: World) -> str:
    """The SIP proxy's bearer token: an integration user of its own (administrator)."""
    proxy = make_user("sip-proxy", superuser=True)
    _, raw = do_create_api_token(
        actor=world.users[Role.ADMINISTRATOR], user=proxy, name="Kamailio route point"
    )
    return raw


@pytest.fixture
def l2_queue(world: World) -> Queue:
    return Queue.objects.create(
        name="Paris L2", organization=world.france, site=world.paris, tier=world.tiers["L2"]
    )


@pytest.fixture
def numbers(settings: Settings, l2_queue: Queue, world: World) -> dict[str, str]:
    """The number plan: each support number and the queue it rings."""
    plan = {L1_NUMBER: world.l1_queue.name, L2_NUMBER: l2_queue.name}
    settings.ESCALADE_SIP_NUMBERS = plan
    return plan


@pytest.fixture(autouse=True)
def fresh_acd() -> Iterator[None]:
    """Each test starts with no ACD router in memory (it is rebuilt from the tables)."""
    service.forget()
    yield
    service.forget()


LogIn = Callable[[User], None]


@pytest.fixture
def log_in() -> LogIn:
    """An agent logs in to the ACD at their phone's extension, available."""

    def available(user: User) -> None:
        service.set_agent_state(
            agent=user.agent, state=AcdState.AVAILABLE, extension=EXTENSIONS[user.username]
        )

    return available
