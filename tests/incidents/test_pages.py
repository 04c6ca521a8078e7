"""The incident pages of the console through the Django test client: intake, the incident
page and its actions, the lists, the customer file, SLA alerts, and French."""

import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from escalade.core.principal import principal_for
from escalade.core.roles import Role
from escalade.incidents import views
from escalade.incidents.intake import IntakeRequest, do_open_incident
from escalade.incidents.models import Incident, TimelineEntry
from tests.factories import World
from tests.incidents.conftest import Routes, next_tuesday

StaffClient = Callable[[Role], Client]


def new_url(world: World) -> str:
    return f"{reverse('incidents:new')}?account={world.dupont.pk}"


def detail_url(incident: Incident | int) -> str:
    return reverse("incidents:detail", args=[getattr(incident, "pk", incident)])


def form_data(world: World, **change: Any) -> dict[str, Any]:
    """What an agent types in the intake form for Marie Durand's call about Orbit."""
    return {
        "contact": str(world.marie.pk),
        "licence": str(world.dupont_licence.pk),
        "title": "Orbit server does not start after upgrade",
        "description": "Service fails with error 1067 since 7.2.",
        "severity": "2",
        "channel": "phone",
        "identity_verified": "on",
        "identity_method": "Security question",
        **change,
    }


def open_case(world: World, role: Role = Role.PARTNER_AGENT, **change: Any) -> Incident:
    """An incident opened by the action itself, as the API or the page would."""
    user = world.users[role]
    principal = principal_for(user)
    assert principal is not None
    fields: dict[str, Any] = {
        "title": "Orbit server does not start",
        "severity": 3,
        "channel": "email",
        "contact_id": world.marie.pk,
        "pid": "ORB-7200-0001",
        **change,
    }
    return do_open_incident(
        principal=principal,
        actor=user,
        account_id=fields.pop("account_id", world.dupont.pk),
        request=IntakeRequest(**fields),
        now=next_tuesday(10),
    )


def act(client: Client, incident: Incident, action: str, **fields: Any) -> Any:
    """Send one action form of the incident page (fields without their prefix)."""
    data = {"action": action, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(detail_url(incident), data)


def html(response: Any) -> str:
    return str(response.content.decode())


def order_of(page: str, numbers: list[str]) -> list[str]:
    return sorted(numbers, key=page.index)


# --- Intake ----------------------------------------------------------------------------


def test_an_agent_opens_an_incident_from_the_intake_form_and_lands_on_its_page(
    world: World, routes: Routes, client_as: StaffClient
) -> None:
    # Given Paul of Callwave on the intake form of Dupont Industrie
    client = client_as(Role.PARTNER_AGENT)
    form = html(client.get(new_url(world)))
    assert "Marie Durand" in form
    assert "ORB-7200-0001 · Orbit Server" in form
    assert 'name="override_reason"' not in form
    # When he fills it in and opens the incident
    response = client.post(new_url(world), form_data(world), follow=True)
    # Then he is on the new incident's page, with its clocks running
    incident = Incident.objects.get()
    assert response.redirect_chain == [(detail_url(incident), 302)]
    page = html(response)
    assert f"Incident {incident.number} opened." in page
    assert incident.title in page
    assert "FR L1 Callwave · L1" in page
    assert "Covered by the contract" in page
    assert "Marie Durand" in page
    assert '<time class="countdown"' in page
    assert "4 h left" in page  # first response: 2 hours × 4 for severity 2 in business hours
    assert "Identity verified (Security question)." in page


def test_a_new_caller_is_recorded_with_the_incident(
    world: World, routes: Routes, client_as: StaffClient
) -> None:
    client = client_as(Role.INTERNAL_AGENT)
    data = form_data(
        world,
        contact="new",
        first_name="Luc",
        last_name="Girard",
        phone="01 42 68 53 99",
        email="luc.girard@dupont.example",
        severity="3",
    )

    response = client.post(new_url(world), data)

    assert response.status_code == 302
    incident = Incident.objects.select_related("contact").get()
    assert incident.contact is not None
    assert incident.contact.full_name == "Luc Girard"
    assert list(incident.contact.phones.values_list("number", flat=True)) == ["+33142685399"]


def test_errors_of_the_intake_form_keep_what_was_typed(
    world: World, routes: Routes, client_as: StaffClient
) -> None:
    client = client_as(Role.INTERNAL_AGENT)

    response = client.post(
        new_url(world), form_data(world, title="", contact="new", description="Kept as typed")
    )

    assert response.status_code == 422
    page = html(response)
    assert "This field is required." in page
    assert "Give at least the caller&#x27;s last name." in page
    assert "Kept as typed" in page
    assert Incident.objects.count() == 0


def test_not_covered_shows_the_reasons_and_a_paid_choice_to_an_agent(
    world: World, routes: Routes, client_as: StaffClient
) -> None:
    # Given Dupont's two major incidents of the year already used
    open_case(world, severity=2)
    open_case(world, severity=2)
    client = client_as(Role.PARTNER_AGENT)
    # When Paul opens a third one
    response = client.post(new_url(world), form_data(world, title="Third major case"))
    # Then he is told why, what he typed is kept, and he may bill it (not override it)
    assert response.status_code == 422
    page = html(response)
    assert 'data-testid="not-covered"' in page
    assert "The incident allowance for the current period has been used up." in page
    assert 'value="Third major case"' in page
    assert 'name="paid_reference"' in page
    assert 'name="override_reason"' not in page
    assert Incident.objects.count() == 2
    # And with a billing reference the case opens as paid, using no allowance
    data = form_data(world, title="Third major case", paid_reference="PO-7731")
    response = client.post(new_url(world), data, follow=True)
    incident = Incident.objects.get(title="Third major case")
    assert (incident.coverage, incident.coverage_note) == ("paid", "PO-7731")
    assert "Paid per incident" in html(response)


def test_a_supervisor_may_override_the_coverage_check(
    world: World, routes: Routes, client_as: StaffClient
) -> None:
    open_case(world, severity=2)
    open_case(world, severity=2)
    client = client_as(Role.SUPERVISOR)

    refused = html(client.post(new_url(world), form_data(world)))
    assert 'name="override_reason"' in refused
    assert 'name="paid_reference"' in refused
    response = client.post(
        new_url(world), form_data(world, override_reason="Production down; approved by S.B.")
    )

    assert response.status_code == 302
    incident = Incident.objects.order_by("-pk").first()
    assert incident is not None
    assert (incident.coverage, incident.coverage_note) == (
        "override",
        "Production down; approved by S.B.",
    )


def test_check_coverage_tells_before_opening(
    world: World, routes: Routes, client_as: StaffClient
) -> None:
    client = client_as(Role.PARTNER_AGENT)

    covered = html(client.post(new_url(world), {**form_data(world, title=""), "check": "1"}))
    outside = html(
        client.post(new_url(world), {**form_data(world, licence="", channel="chat"), "check": "1"})
    )

    assert "Covered by contract C-1001." in covered
    assert "Major incidents: 2 left; this incident would use one." in covered
    assert "This field is required." not in covered
    assert "The support contract does not include this contact channel." in outside
    assert 'value="Orbit server does not start after upgrade"' in outside
    assert Incident.objects.count() == 0


def test_intake_without_routing_rules_says_what_is_missing(
    world: World, client_as: StaffClient
) -> None:
    response = client_as(Role.INTERNAL_AGENT).post(new_url(world), form_data(world))

    assert response.status_code == 422
    assert "No L1 queue takes this case: add a routing rule for it." in html(response)
    assert 'value="Orbit server does not start after upgrade"' in html(response)


@pytest.mark.django_db(transaction=True)
def test_coverage_checks_lock_in_their_own_transaction(
    world: World, routes: Routes, client_as: StaffClient, api: Callable[..., Any]
) -> None:
    # Outside a test transaction, as in production: PostgreSQL refuses row locks in
    # autocommit, so the page and the API must open one around the check.
    page = client_as(Role.PARTNER_AGENT).post(new_url(world), {**form_data(world), "check": "1"})
    status, body = api(
        Role.PARTNER_AGENT,
        "POST",
        "/incidents/check",
        {"account_id": world.dupont.pk, "pid": "ORB-7200-0001", "severity": 2, "channel": "web"},
    )

    assert page.status_code == 200
    assert "Covered by contract C-1001." in html(page)
    assert (status, body["covered"], body["remaining"]) == (200, True, {"Major incidents": 2})


def test_intake_is_for_accounts_the_agent_may_see(
    world: World, routes: Routes, client_as: StaffClient
) -> None:
    client = client_as(Role.PARTNER_AGENT)
    premier = f"{reverse('incidents:new')}?account={world.lumiere.pk}"
    assert client.get(premier).status_code == 404
    assert client.get(reverse("incidents:new")).status_code == 302


# --- The incident page -----------------------------------------------------------------


@pytest.fixture
def case(world: World, routes: Routes) -> Incident:
    return open_case(world)


def test_a_note_and_a_diagnostic_step_show_on_the_timeline(
    case: Incident, client_as: StaffClient
) -> None:
    client = client_as(Role.PARTNER_AGENT)

    noted = act(client, case, "note", body="Customer sent the event log.", customer_visible="on")
    diagnosed = act(
        client, case, "diagnostic", step="Restarted with logging on", outcome="Error 1067 again"
    )

    assert (noted.status_code, diagnosed.status_code) == (302, 302)
    page = html(client.get(detail_url(case)))
    assert "Diagnostic step recorded." in page
    timeline = page.split('data-testid="timeline"', 1)[1]
    assert "Customer sent the event log." in timeline
    assert "Visible to the customer" in timeline
    assert "Restarted with logging on" in timeline
    assert "Outcome: Error 1067 again" in timeline
    assert timeline.index("event log") < timeline.index("Restarted")  # chronological
    assert "Paul Lefebvre" in timeline


def test_an_empty_note_is_refused_on_the_form(case: Incident, client_as: StaffClient) -> None:
    response = act(client_as(Role.PARTNER_AGENT), case, "note", body="")

    assert response.status_code == 422
    assert 'data-testid="action-error"' in html(response)
    assert not TimelineEntry.objects.filter(incident=case, kind="note").exists()


def test_the_status_form_offers_only_the_allowed_statuses(
    case: Incident, client_as: StaffClient
) -> None:
    page = html(client_as(Role.PARTNER_AGENT).get(detail_url(case)))
    status_form = page.split('id="action-status"', 1)[1].split("</details>", 1)[0]
    offered = re.findall(r'<option value="(\w+)"', status_form)
    assert offered == ["open", "pending_customer", "pending_vendor"]


def test_an_illegal_status_change_shows_the_error(case: Incident, client_as: StaffClient) -> None:
    client = client_as(Role.PARTNER_AGENT)
    assert act(client, case, "status", status="pending_vendor").status_code == 302

    # Waiting on a vendor, a case cannot be put back to "new" nor cancelled
    response = act(client, case, "status", status="new", note="Typed note")
    page = html(response)

    assert response.status_code == 422
    assert "Select a valid choice." in page
    assert 'value="Typed note"' in page
    case.refresh_from_db()
    assert case.status == "pending_vendor"
    assert 'id="action-cancel"' not in page
    assert act(client, case, "cancel", reason="Withdrawn").status_code == 409


def test_an_action_error_comes_back_on_its_form(
    case: Incident, world: World, client_as: StaffClient
) -> None:
    # Escalating to the partner's own site, where no L2 queue exists, lands in the same queue
    response = act(
        client_as(Role.PARTNER_AGENT),
        case,
        "escalate",
        reason="Needs a specialist",
        site=str(world.callwave_lille.pk),
    )

    assert response.status_code == 422
    page = html(response)
    assert "The case is already in this queue." in page
    assert "Needs a specialist" in page


def test_escalation_moves_the_case_to_l2_and_the_partner_then_reads_it_only(
    case: Incident, client_as: StaffClient
) -> None:
    # Given Paul of Callwave working the case at L1, with a diagnostic step done
    partner = client_as(Role.PARTNER_AGENT)
    act(partner, case, "diagnostic", step="Checked the logs", outcome="Error 1067")
    # When he escalates it
    response = act(partner, case, "escalate", reason="Needs a specialist", queue="", site="")
    # Then it is in the Paris L2 queue, and he still sees it, read-only
    assert response.status_code == 302
    page = html(partner.get(response["Location"]))
    assert "Moved to Paris L2 (L2)." in page
    assert "Paris L2 · L2" in page
    assert 'data-testid="read-only"' in page
    assert 'name="action"' not in page
    assert "Checked the logs" in page
    assert act(partner, case, "note", body="still here").status_code == 403
    # And the L2 team sees it in its queue, with the step done at L1 on the timeline
    internal = client_as(Role.INTERNAL_AGENT)
    assert str(case.number) in html(internal.get(reverse("incidents:queue")))
    l2_page = html(internal.get(detail_url(case)))
    assert "Checked the logs" in l2_page
    assert 'id="action-deescalate"' in l2_page


def test_a_partner_that_keeps_no_access_goes_back_to_its_queue(
    case: Incident, client_as: StaffClient, settings: Settings
) -> None:
    settings.PARTNER_KEEPS_ESCALATED_ACCESS = False
    partner = client_as(Role.PARTNER_AGENT)

    response = act(partner, case, "escalate", reason="Needs a specialist", queue="", site="")

    assert response["Location"] == reverse("incidents:queue")
    assert partner.get(detail_url(case)).status_code == 404


def test_an_agent_takes_the_case_then_resolves_reopens_and_closes_it(
    case: Incident, client_as: StaffClient
) -> None:
    client = client_as(Role.PARTNER_AGENT)

    assert act(client, case, "take").status_code == 302
    page = html(client.get(detail_url(case)))
    assert "You now own this case." in page
    assert 'data-testid="action-take"' not in page
    assert act(client, case, "resolve", summary="Reinstalled the service.").status_code == 302
    resolved = html(client.get(detail_url(case)))
    assert 'id="action-reopen"' in resolved
    assert 'id="action-resolve"' not in resolved
    assert act(client, case, "reopen", reason="Fails again").status_code == 302
    reopened = html(client.get(detail_url(case)))
    assert "Reopened" in reopened
    assert 'id="action-cancel"' in reopened  # "it works again after all": closed as cancelled
    act(client, case, "resolve", summary="Patched.")
    assert act(client, case, "close").status_code == 302

    case.refresh_from_db()
    assert (case.status, case.owner_id) == ("closed", case.owner_id)
    assert case.owner is not None
    assert str(case.owner) == "Paul Lefebvre"
    closed = html(client.get(detail_url(case)))
    assert 'id="action-classify"' not in closed
    assert 'id="action-note"' in closed


def test_assigning_to_an_agent_of_another_organisation_is_refused(
    case: Incident, world: World, client_as: StaffClient
) -> None:
    ines = world.users[Role.INTERNAL_AGENT].agent

    response = act(client_as(Role.SUPERVISOR), case, "assign", owner=str(ines.pk))

    assert response.status_code == 422
    assert "Select a valid choice." in html(response)  # only Callwave's agents are offered


def test_classifying_as_a_bug_records_the_reference(case: Incident, client_as: StaffClient) -> None:
    response = act(
        client_as(Role.PARTNER_AGENT),
        case,
        "classify",
        classification="defect",
        bug_reference="ORB-4412",
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.classification, case.bug_reference) == ("defect", "ORB-4412")


def test_who_may_see_the_incident_page(
    world: World, routes: Routes, case: Incident, client_as: StaffClient
) -> None:
    premier = open_case(
        world,
        Role.INTERNAL_AGENT,
        account_id=world.lumiere.pk,
        contact_id=world.claire.pk,
        pid="ORB-7200-0002",
    )
    assert client_as(Role.PARTNER_AGENT).get(detail_url(premier)).status_code == 404
    assert client_as(Role.CUSTOMER).get(detail_url(case)).status_code == 403
    assert client_as(Role.ENGINEER).get(detail_url(case)).status_code == 200
    assert Client().get(detail_url(case)).status_code == 302


# --- Lists -----------------------------------------------------------------------------


def test_my_incidents_and_the_queue_list_the_most_urgent_first(
    world: World, routes: Routes, client_as: StaffClient, office_hours: time_machine.Traveller
) -> None:
    # Given three cases of Callwave's queue: low at 10:00, critical at 10:30, medium at 11:00
    low = open_case(world, severity=4)
    office_hours.move_to(next_tuesday(10, 30))
    critical = open_case(world, severity=1, channel="phone")
    office_hours.move_to(next_tuesday(11))
    medium = open_case(world, severity=3)
    client = client_as(Role.PARTNER_AGENT)
    for incident in (low, medium):
        act(client, incident, "take")
    numbers = [str(c.number) for c in (low, critical, medium)]
    # When Paul looks at his team's queue and at his own cases
    queue = html(client.get(reverse("incidents:queue")))
    mine = html(client.get(reverse("incidents:mine")))
    # Then the nearest deadline comes first: critical 12:30, medium 17:00, low 18:00
    assert order_of(queue, numbers) == [critical.number, medium.number, low.number]
    assert "3 active cases, most urgent first" in queue
    assert 'name="queue"' in queue
    assert order_of(mine, [str(low.number), str(medium.number)]) == [medium.number, low.number]
    assert str(critical.number) not in mine
    # And the internal agents' queues (Escalade France) do not hold Callwave's cases
    assert str(low.number) not in html(
        client_as(Role.INTERNAL_AGENT).get(reverse("incidents:queue"))
    )


def test_the_queue_filter_and_pages(
    world: World, routes: Routes, client_as: StaffClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    cases = [open_case(world, severity=4) for _ in range(3)]
    client = client_as(Role.PARTNER_AGENT)
    url = reverse("incidents:queue")

    first = html(client.get(url, {"queue": world.l1_queue.pk}))
    second = html(client.get(url, {"queue": world.l1_queue.pk, "page": 2}))
    elsewhere = html(client.get(url, {"queue": 999_999}))

    assert "Page 1 of 2" in first
    assert f"?queue={world.l1_queue.pk}&amp;page=2" in first
    assert [str(c.number) in second for c in cases] == [False, False, True]
    assert "3 active cases" in elsewhere  # an unknown queue is no filter


def test_a_breached_case_is_highlighted_in_the_queue(
    world: World, routes: Routes, client_as: StaffClient, office_hours: time_machine.Traveller
) -> None:
    open_case(world, severity=1, channel="phone")  # first response due at 12:00
    office_hours.move_to(next_tuesday(12, 12))
    call_command("run_worker", "--once", "--poller", "sla")

    page = html(client_as(Role.PARTNER_AGENT).get(reverse("incidents:queue")))

    assert 'class="sla-row sla-row-breached"' in page
    assert "overdue by 12 min" in page


# --- Customer file ---------------------------------------------------------------------


def test_the_customer_file_lists_open_incidents_and_the_history(
    case: Incident, world: World, client_as: StaffClient
) -> None:
    client = client_as(Role.INTERNAL_AGENT)
    file_url = reverse("desk:file", args=[world.dupont.pk])

    page = html(client.get(file_url))

    opened = page.split('data-testid="open-incidents"', 1)[1].split("</table>", 1)[0]
    assert detail_url(case) in opened
    assert case.title in opened
    assert '<time class="countdown"' in opened
    assert f'href="{new_url(world)}"' in page
    act(client, case, "resolve", summary="Fixed")
    page = html(client.get(file_url))
    assert 'data-testid="open-incidents"' not in page
    history = page.split('data-testid="incident-history"', 1)[1]
    assert str(case.number) in history
    assert "Resolved" in history


# --- SLA alerts ------------------------------------------------------------------------


def test_sla_alerts_show_a_breach_to_a_supervisor(
    world: World, routes: Routes, client_as: StaffClient, office_hours: time_machine.Traveller
) -> None:
    # Given a severity 2 case whose first response was due at 14:00
    incident = open_case(world, severity=2)
    office_hours.move_to(next_tuesday(14, 1))
    call_command("run_worker", "--once", "--poller", "sla")
    supervisor = client_as(Role.SUPERVISOR)
    url = reverse("incidents:sla_alerts")
    # When Sophie, a supervisor, looks at the breaches
    page = html(supervisor.get(url, {"kind": "breach"}))
    # Then she sees the case's breach, linked to the case, and not its earlier warning
    rows = page.split('data-testid="alerts"', 1)[1]
    assert rows.count('data-testid="alert-row"') == 1
    assert "Breach" in rows
    assert "First response" in rows
    assert detail_url(incident) in rows
    both = html(supervisor.get(url))
    table = both.split('data-testid="alerts"', 1)[1]
    assert table.count('data-testid="alert-row"') == 2
    assert table.index("Breach") < table.index("Warning")  # newest first
    assert 'data-testid="nav-sla"' in both
    # And agents neither see the menu nor the page
    agent = client_as(Role.INTERNAL_AGENT)
    assert 'data-testid="nav-sla"' not in html(agent.get(reverse("incidents:mine")))
    assert agent.get(url).status_code == 403


# --- French ----------------------------------------------------------------------------


def test_the_incident_pages_speak_french(
    case: Incident, world: World, client_as: StaffClient
) -> None:
    client = client_as(Role.PARTNER_AGENT)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    page = html(client.get(detail_url(case)))
    intake = html(client.get(new_url(world)))
    queue = html(client.get(reverse("incidents:queue")))

    assert "Chronologie" in page
    assert "Ajouter une note" in page
    assert "Nouveau" in page  # the status, from the model's choices
    assert "Couvert par le contrat" in page
    assert "reste 6 h" in page  # severity 3: first response within 6 business hours
    assert "Nouvel incident" in intake
    assert "Ouvrir l'incident" in intake
    assert "Mes incidents" in queue
    assert "3 · Moyenne" in queue
