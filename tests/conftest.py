"""Shared fixtures: the personas' world and API clients signed in as each role."""

from collections.abc import Callable

import pytest
from django.test import Client

from escalade.core.refcache import clear_all
from escalade.core.roles import Role
from escalade.incidents.numbering import INCIDENT_IDS
from tests.factories import World, build_world


@pytest.fixture(autouse=True)
def _fast_passwords(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_reference_copies() -> None:
    # Each test's rows are rolled back: copies of them must not outlive it.
    clear_all()
    INCIDENT_IDS.reset()


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def client_as(world: World) -> Callable[[Role], Client]:
    """A test client signed in (session) as the persona of a role."""

    def make(role: Role) -> Client:
        client = Client()
        client.force_login(world.users[role])
        return client

    return make
