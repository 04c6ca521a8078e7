"""Supervision: interval statistics, the wallboard and the staffing calculator.

Calls come through the Generic CTI API as in the other contact-center tests; the
statistics are read back from the routing events the ACD wrote.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from escalade.contactcenter.models import EventKind, IntervalStat, RoutingEvent
from escalade.contactcenter.service import service
from escalade.contactcenter.stats import close_intervals, compute_intervals
from escalade.contactcenter.worker import IntervalStatsPoller
from escalade.core.roles import Role
from tests.contactcenter.conftest import Floor

pytestmark = pytest.mark.django_db

ApiAs = Callable[..., tuple[int, Any]]


def _nine_tomorrow(floor: Floor) -> datetime:
    """The clock at 09:00:00 UTC tomorrow (intervals start on the quarter hour)."""
    day = (timezone.now() + timedelta(days=1)).astimezone(UTC).date()
    nine = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
    floor.clock.move_to(nine)
    return nine


def _morning(floor: Floor) -> datetime:
    """Three calls in FR L1 between 09:00 and 09:04, Paul alone available:

    c1 answered after 5 s (within the 20 s threshold), talks 60 s;
    c2 arrives while Paul wraps up, answered after 30 s, talks 60 s;
    c3 hangs up after 5 s while Paul wraps up again: abandoned.
    """
    nine = _nine_tomorrow(floor)
    floor.available(floor.paul)
    floor.call("c1")
    floor.later(5)
    floor.answer("c1", floor.paul)
    floor.later(60)
    floor.hang_up("c1")  # 09:01:05; wrap-up until 09:01:35
    floor.later(5)
    floor.call("c2")  # 09:01:10
    floor.later(25)  # wrap-up over: c2 rings Paul
    floor.later(5)
    floor.answer("c2", floor.paul)  # waited 30 s
    floor.later(60)
    floor.hang_up("c2")  # 09:02:40; wrap-up until 09:03:10
    floor.later(10)
    floor.call("c3")  # 09:02:50
    floor.later(5)
    floor.hang_up("c3")  # abandoned
    return nine


def test_interval_statistics_are_read_from_the_routing_events(floor: Floor) -> None:
    # Given a morning of three calls in FR L1
    nine = _morning(floor)

    # When the 09:00 quarter hour is computed
    buckets = compute_intervals(length_minutes=15, since=nine, until=nine + timedelta(minutes=15))

    # Then it counts 3 offered, 2 answered (1 within the service level), 1 abandoned
    figures = buckets[(floor.l1.pk, nine)]
    assert (figures.offered, figures.answered, figures.answered_within_sl, figures.abandoned) == (
        3,
        2,
        1,
        1,
    )
    assert figures.service_level == pytest.approx(0.5)
    assert figures.average_speed_of_answer == pytest.approx((5 + 30) / 2, abs=0.5)
    assert figures.abandon_rate == pytest.approx(1 / 3)
    assert figures.total_handle_seconds == pytest.approx(120, abs=1)


def test_withdrawn_calls_are_not_abandons_and_transfers_in_are_offered(floor: Floor) -> None:
    # Given events written straight into the log: two offers (one a transfer in), a
    # withdrawal and an abandon
    nine = _nine_tomorrow(floor)
    for kind, seconds in (
        (EventKind.OFFERED, 10),
        (EventKind.OFFERED, 20),
        (EventKind.WITHDRAWN, 30),
        (EventKind.ABANDONED, 40),
        (EventKind.TRANSFERRED, 50),
    ):
        RoutingEvent.objects.create(
            at=nine + timedelta(seconds=seconds), kind=kind, queue=floor.l1, waited_seconds=3
        )

    # When the quarter hour is closed
    floor.clock.move_to(nine + timedelta(minutes=16))
    close_intervals(timezone.now())

    # Then only the abandon counts as abandoned
    stat = IntervalStat.objects.get(queue=floor.l1, length_minutes=15)
    assert (stat.offered, stat.answered, stat.abandoned) == (2, 0, 1)


def test_the_poller_closes_finished_intervals_once(floor: Floor) -> None:
    # Given the morning's calls, and the clock at 09:16
    nine = _morning(floor)
    floor.clock.move_to(nine + timedelta(minutes=16))

    # When the statistics poller runs twice
    IntervalStatsPoller().run_once(timezone.now())
    IntervalStatsPoller().run_once(timezone.now())

    # Then the quarter hour is stored once, and the half hour (not over) not yet
    quarter = IntervalStat.objects.get(queue=floor.l1, length_minutes=15)
    assert quarter.interval_start == nine
    assert (quarter.offered, quarter.answered, quarter.abandoned) == (3, 2, 1)
    assert not IntervalStat.objects.filter(length_minutes=30).exists()

    # When the half hour is over and the poller runs twice again
    floor.clock.move_to(nine + timedelta(minutes=31))
    IntervalStatsPoller().run_once(timezone.now())
    IntervalStatsPoller().run_once(timezone.now())

    # Then each interval has one row with the same counts: nothing is counted twice
    assert IntervalStat.objects.count() == 2
    half = IntervalStat.objects.get(queue=floor.l1, length_minutes=30)
    assert (half.offered, half.answered, half.answered_within_sl, half.abandoned) == (3, 2, 1, 1)
    assert IntervalStat.objects.get(length_minutes=15).offered == 3


def test_the_stats_api_lists_intervals_for_supervisors(floor: Floor, api_as: ApiAs) -> None:
    nine = _morning(floor)
    floor.clock.move_to(nine + timedelta(minutes=31))
    close_intervals(timezone.now())

    status, body = api_as(Role.SUPERVISOR, "GET", f"/stats?length=15&queue={floor.l1.pk}")
    assert status == 200
    assert body["count"] == 1
    [row] = body["items"]
    assert row["queue"] == "FR L1 Callwave"
    assert (row["offered"], row["answered"], row["abandoned"]) == (3, 2, 1)
    assert row["service_level"] == pytest.approx(0.5)
    assert row["abandon_rate"] == pytest.approx(1 / 3)

    status, body = api_as(Role.ADMINISTRATOR, "GET", "/stats?length=30")
    assert status == 200
    assert body["count"] == 1
    assert api_as(Role.SUPERVISOR, "GET", "/stats?length=20")[0] == 422
    assert api_as(Role.INTERNAL_AGENT, "GET", "/stats")[0] == 403
    assert api_as(Role.CUSTOMER, "GET", "/stats")[0] == 403


def _busy_floor(floor: Floor) -> None:
    """Paul is ringing with c1, Léa is not ready, c2 waits; Inès is available in Paris."""
    _nine_tomorrow(floor)
    floor.available(floor.paul, floor.ines)
    service.set_agent_state(agent=floor.lea, state="not_ready", reason="break")
    floor.call("c1")
    floor.later(2)
    floor.call("c2")
    floor.later(10)  # within Paul's 20 s ring timeout


def test_the_wallboard_shows_waiting_calls_and_agents_by_state(floor: Floor, api_as: ApiAs) -> None:
    # Given a busy L1 floor
    _busy_floor(floor)
    assert floor.ringing("c1") == floor.paul

    # When a supervisor reads the wallboard
    status, body = api_as(Role.SUPERVISOR, "GET", "/wallboard")

    # Then FR L1 shows one call waiting for 10 s, Paul on a call and Léa not ready
    assert status == 200
    l1 = next(row for row in body["queues"] if row["id"] == floor.l1.pk)
    assert l1["waiting"] == 1
    assert l1["longest_wait_seconds"] == 10
    assert l1["offered_today"] == 2
    assert l1["abandon_rate_today"] == 0
    assert l1["service_level_today"] is None
    assert l1["agents"] == {
        "available": 0,
        "on_call": 1,
        "wrap_up": 0,
        "not_ready": 1,
        "logged_out": 0,
    }
    l2 = next(row for row in body["queues"] if row["id"] == floor.l2.pk)
    assert l2["waiting"] == 0
    assert l2["agents"]["available"] == 1
    lille = next(row for row in body["sites"] if row["site_id"] == floor.l1.site_id)
    assert lille["waiting"] == 1
    assert lille["agents"]["not_ready"] == 1

    # And the site filter keeps only that site's queues
    status, body = api_as(Role.ADMINISTRATOR, "GET", f"/wallboard?site={floor.l2.site_id}")
    assert [row["id"] for row in body["queues"]] == [floor.l2.pk]
    assert api_as(Role.PARTNER_AGENT, "GET", "/wallboard")[0] == 403


def test_the_wallboard_page_renders_the_board(floor: Floor, client_as: Any) -> None:
    _busy_floor(floor)
    client: Client = client_as(Role.SUPERVISOR)

    page = client.get("/acd/wallboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="wallboard"' in html
    assert "FR L1 Callwave" in html
    assert 'data-wallboard-refresh="5"' in html
    assert 'data-testid="nav-wallboard"' in html

    fragment = client.get(f"/acd/wallboard/?fragment=1&queue={floor.l1.pk}")
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body
    assert "FR L1 Callwave" in body
    assert "Paris L2" not in body

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = client.get("/acd/wallboard/").content.decode()
    assert "Appels en attente" in french
    assert "Tableau mural" in french


@pytest.mark.parametrize("role", [Role.PARTNER_AGENT, Role.INTERNAL_AGENT, Role.ENGINEER])
def test_pages_are_for_supervisors_and_administrators(
    floor: Floor, client_as: Any, role: Role
) -> None:
    client: Client = client_as(role)
    assert client.get("/acd/wallboard/").status_code == 403
    assert client.get("/acd/staffing/").status_code == 403
    assert 'data-testid="nav-wallboard"' not in client.get("/").content.decode()


# --- staffing ----------------------------------------------------------------------------


def test_staffing_gives_14_agents_and_20_scheduled_for_200_calls_an_hour(api_as: ApiAs) -> None:
    # Given 100 calls per half hour, 180 s each, 80 % to answer within 20 s, 30 % shrinkage
    payload = {
        "length_minutes": 30,
        "intervals": [{"label": "09:00", "calls": 100}, {"label": "09:30", "calls": 0}],
        "handle_seconds": 180,
        "target_percent": 80,
        "target_seconds": 20,
        "shrinkage_percent": 30,
    }

    # When a supervisor asks
    status, body = api_as(Role.SUPERVISOR, "POST", "/staffing", payload)

    # Then 14 agents are needed on the phones, 20 scheduled
    assert status == 200, body
    first, idle = body["intervals"]
    assert (first["label"], first["agents"], first["scheduled"]) == ("09:00", 14, 20)
    assert first["service_level"] >= 0.8
    assert first["occupancy"] == pytest.approx(10 / 14)
    assert first["abandonment"] is None
    assert (idle["agents"], idle["scheduled"]) == (0, 0)


def test_staffing_with_patience_uses_erlang_a(api_as: ApiAs) -> None:
    payload = {
        "intervals": [{"calls": 100}],
        "handle_seconds": 180,
        "target_seconds": 20,
        "patience_seconds": 120,
    }
    status, body = api_as(Role.ADMINISTRATOR, "POST", "/staffing", payload)
    assert status == 200, body
    [row] = body["intervals"]
    assert row["label"] == "1"
    assert 0 < row["agents"] <= 14
    assert row["abandonment"] > 0


def test_staffing_takes_the_handle_time_the_queue_learned(floor: Floor, api_as: ApiAs) -> None:
    routing = floor.routing(floor.l1, service_level_seconds=20)
    routing.learned_handle_seconds = 180.0
    routing.save(update_fields=["learned_handle_seconds"])
    payload = {"queue_id": floor.l1.pk, "intervals": [{"calls": 100}], "shrinkage_percent": 30}
    status, body = api_as(Role.SUPERVISOR, "POST", "/staffing", payload)
    assert status == 200, body
    assert body["handle_seconds"] == 180
    assert body["target_seconds"] == 20
    assert (body["intervals"][0]["agents"], body["intervals"][0]["scheduled"]) == (14, 20)


@pytest.mark.parametrize(
    "change",
    [
        {"intervals": []},
        {"intervals": [{"calls": -1}]},
        {"shrinkage_percent": 100},
        {"target_percent": 150},
        {"length_minutes": 20},
        {"handle_seconds": None},
        {"handle_seconds": 0},
        {"target_percent": 100, "target_seconds": 0},
    ],
)
def test_staffing_refuses_bad_input(api_as: ApiAs, change: dict[str, Any]) -> None:
    payload = {"intervals": [{"calls": 100}], "handle_seconds": 180, **change}
    status, _body = api_as(Role.SUPERVISOR, "POST", "/staffing", payload)
    assert status == 422


def test_staffing_api_is_for_supervisors_and_administrators(api_as: ApiAs) -> None:
    payload = {"intervals": [{"calls": 10}], "handle_seconds": 180}
    assert api_as(Role.INTERNAL_AGENT, "POST", "/staffing", payload)[0] == 403
    assert api_as(Role.CUSTOMER, "POST", "/staffing", payload)[0] == 403


def test_the_staffing_page_computes_and_shows_errors(floor: Floor, client_as: Any) -> None:
    client: Client = client_as(Role.SUPERVISOR)
    page = client.get("/acd/staffing/")
    assert page.status_code == 200
    assert 'data-testid="nav-staffing"' in page.content.decode()

    form = {
        "length_minutes": "30",
        "calls": "09:00 100\n09:30 50\n",
        "handle_seconds": "180",
        "target_percent": "80",
        "target_seconds": "20",
        "shrinkage_percent": "30",
    }
    result = client.post("/acd/staffing/", form)
    assert result.status_code == 200
    html = result.content.decode()
    assert html.count('data-testid="staffing-row"') == 2
    assert '<td data-figure="agents">14</td>' in html
    assert '<td data-figure="scheduled">20</td>' in html

    bad = client.post(
        "/acd/staffing/", {**form, "calls": "nine o'clock lots", "handle_seconds": ""}
    )
    assert bad.status_code == 422
    assert bad.content.decode().count('data-testid="field-error"') == 2

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = client.post("/acd/staffing/", form).content.decode()
    assert "Agents nécessaires" in french
    assert "Effectif" in french
