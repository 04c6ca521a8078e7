"""The console pages through the Django test client: sign-in, search, the customer file,
who may see what, and both languages."""

from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from escalade.core.roles import Role
from tests.factories import PASSWORD, World

SEARCH = reverse("customers:search")
LOGIN = reverse("console:login")
StaffClient = Callable[[Role], Client]


def file_url(account_id: int) -> str:
    return reverse("desk:file", args=[account_id])


def search(client: Client, text: str) -> str:
    response = client.get(SEARCH, {"q": text})
    assert response.status_code == 200
    return response.content.decode()


def result_table(page: str) -> str:
    """The HTML of the results table, empty when there is none."""
    if 'data-testid="results"' not in page:
        return ""
    return page.split('data-testid="results"', 1)[1].split("</table>", 1)[0]


# --- Sign-in ---------------------------------------------------------------------------


def test_an_agent_signs_in_and_lands_on_the_customer_search(world: World) -> None:
    # Given the internal agent Inès at the login page
    client = Client()
    assert client.get(LOGIN).status_code == 200
    # When she signs in with her password
    response = client.post(LOGIN, {"username": "ines.internal", "password": PASSWORD}, follow=True)
    # Then she is on the customer search, signed in as herself
    assert response.redirect_chain[-1][0] == SEARCH
    page = response.content.decode()
    assert "Find a customer" in page
    assert "Inès Martin" in page
    assert "Escalade France" in page


def test_a_wrong_password_shows_an_error_and_no_session(world: World) -> None:
    client = Client()
    response = client.post(LOGIN, {"username": "ines.internal", "password": "not-it"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_console_sends_anonymous_visitors_to_the_login_page(db: None) -> None:
    response = Client().get(SEARCH)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_an_agent_signs_out(client_as: StaffClient) -> None:
    client = client_as(Role.INTERNAL_AGENT)
    response = client.post(reverse("console:logout"))
    assert response.status_code == 302
    assert client.get(SEARCH).status_code == 302


# --- Search ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["01 42 68 53 00", "+33 1 42 68 53 00", "0033142685300", "01.42.68.53.00"]
)
def test_search_by_phone_in_any_format_finds_marie(client_as: StaffClient, text: str) -> None:
    # Given an internal agent; when she types Marie Durand's number as the caller gave it
    page = search(client_as(Role.INTERNAL_AGENT), text)
    # Then Marie Durand of Dupont Industrie is found by her phone number
    assert "Marie Durand" in page
    assert "Dupont Industrie" in page
    assert "Phone number" in page


def test_search_by_email_finds_the_contact(client_as: StaffClient) -> None:
    page = search(client_as(Role.INTERNAL_AGENT), "Marie.Durand@Dupont.example")
    assert "Marie Durand" in page
    assert "Email address" in page


def test_search_by_lower_case_pid_finds_the_account(client_as: StaffClient, world: World) -> None:
    page = search(client_as(Role.INTERNAL_AGENT), "orb-7200-0001")
    assert "Dupont Industrie" in page
    assert "Product ID (PID)" in page
    assert file_url(world.dupont.pk) in page


def test_search_by_misspelled_name_finds_the_company(client_as: StaffClient) -> None:
    page = search(client_as(Role.INTERNAL_AGENT), "Dupond Industri")
    assert "Dupont Industrie" in page


def test_search_ignores_accents(client_as: StaffClient, world: World) -> None:
    page = search(client_as(Role.INTERNAL_AGENT), "banque lumiere")
    assert "Banque Lumière" in page
    assert file_url(world.lumiere.pk) in page


def test_search_with_no_match_says_so(client_as: StaffClient) -> None:
    page = search(client_as(Role.INTERNAL_AGENT), "zzqxw")
    assert 'data-testid="no-results"' in page
    assert "No customer matches “zzqxw”." in page


def test_search_escapes_what_was_typed(client_as: StaffClient) -> None:
    page = search(client_as(Role.INTERNAL_AGENT), "<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_the_empty_search_page_shows_the_box_and_no_results(client_as: StaffClient) -> None:
    page = search(client_as(Role.INTERNAL_AGENT), "")
    assert 'name="q"' in page
    assert 'data-testid="results"' not in page
    assert 'data-testid="no-results"' not in page


# --- Customer file ---------------------------------------------------------------------


def test_the_file_shows_account_coverage_contract_and_allowance(
    client_as: StaffClient, world: World
) -> None:
    # Given an internal agent; when she opens Dupont Industrie's file
    response = client_as(Role.INTERNAL_AGENT).get(file_url(world.dupont.pk))
    # Then she sees the account, its live contract and the incident allowance left
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dupont Industrie" in page
    assert "A-1001" in page
    assert "Standard" in page
    assert "Covered by an active contract until" in page
    assert "C-1001" in page
    assert "Active" in page
    assert "Callwave" in page
    assert "Major incidents" in page
    assert "2 of 2 left" in page


def test_the_file_shows_contacts_phones_internationally_and_products(
    client_as: StaffClient, world: World
) -> None:
    page = client_as(Role.INTERNAL_AGENT).get(file_url(world.dupont.pk)).content.decode()
    assert "Marie Durand" in page
    assert "+33 1 42 68 53 00" in page
    assert 'href="tel:+33142685300"' in page
    assert "marie.durand@dupont.example" in page
    assert "ORB-7200-0001" in page
    assert "Orbit Server" in page
    assert "No open incidents yet." in page


def test_a_premier_file_shows_its_badge_and_internal_l1(
    client_as: StaffClient, world: World
) -> None:
    page = client_as(Role.SUPERVISOR).get(file_url(world.lumiere.pk)).content.decode()
    assert 'class="badge segment-premier"' in page
    assert "Premier 24x7" in page
    assert "Internal" in page


def test_an_unknown_account_is_a_friendly_404(client_as: StaffClient) -> None:
    response = client_as(Role.INTERNAL_AGENT).get(file_url(999_999))
    assert response.status_code == 404
    assert 'data-testid="not-found"' in response.content.decode()


# --- Who may see what ------------------------------------------------------------------


def test_a_partner_agent_sees_the_accounts_it_serves(client_as: StaffClient, world: World) -> None:
    client = client_as(Role.PARTNER_AGENT)
    assert "Dupont Industrie" in search(client, "01 42 68 53 00")
    assert client.get(file_url(world.dupont.pk)).status_code == 200


def test_a_partner_agent_gets_404_on_a_premier_file(client_as: StaffClient, world: World) -> None:
    # Given Paul of the partner Callwave; when he opens Banque Lumière's (premier) file
    response = client_as(Role.PARTNER_AGENT).get(file_url(world.lumiere.pk))
    # Then he gets the friendly not-found page, which does not name the account
    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-testid="not-found"' in page
    assert "Banque Lumière" not in page


@pytest.mark.parametrize("text", ["Lumière", "Claire Morel", "+33 6 12 34 56 78", "ORB-7200-0002"])
def test_a_partner_agent_does_not_find_a_premier_account(
    client_as: StaffClient, world: World, text: str
) -> None:
    # Given Paul of Callwave; when he searches Banque Lumière in any way
    page = search(client_as(Role.PARTNER_AGENT), text)
    # Then neither the premier account nor its contact is among the results
    results = result_table(page)
    assert "Banque Lumière" not in results
    assert "Claire" not in results
    assert file_url(world.lumiere.pk) not in page


@pytest.mark.parametrize("url_name", ["search", "file"])
def test_a_customer_gets_403_on_staff_pages(
    client_as: StaffClient, world: World, url_name: str
) -> None:
    # Given Marie, a customer who signs in to the portal
    client = client_as(Role.CUSTOMER)
    url = SEARCH if url_name == "search" else file_url(world.dupont.pk)
    # When she opens a console page; then access is denied with a friendly page
    response = client.get(url, {"q": "Dupont"})
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="forbidden"' in page
    assert "Your role may not see this page." in page
    assert "Dupont Industrie" not in page


def test_a_user_without_role_is_told_to_ask_an_administrator(world: World) -> None:
    client = Client()
    client.force_login(User.objects.create_user("nobody", password=PASSWORD))
    response = client.get(reverse("console:home"))
    assert response.status_code == 403
    assert "ask an administrator" in response.content.decode()


def test_the_customer_menu_is_shown_to_staff_only(client_as: StaffClient) -> None:
    page = client_as(Role.INTERNAL_AGENT).get(SEARCH).content.decode()
    assert 'aria-current="page"' in page
    page = client_as(Role.CUSTOMER).get(SEARCH).content.decode()
    assert 'class="mainnav"' not in page


# --- Languages -------------------------------------------------------------------------


def test_french_by_language_cookie(client_as: StaffClient, world: World) -> None:
    client = client_as(Role.INTERNAL_AGENT)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(SEARCH).content.decode()
    assert '<html lang="fr">' in page
    assert "Rechercher un client" in page
    assert "Se déconnecter" in page
    page = client.get(file_url(world.dupont.pk)).content.decode()
    assert "Couvert par un contrat actif" in page
    assert "Incidents ouverts" in page
    assert "Agent interne" in page  # the role label, from the model's TextChoices


def test_french_by_accept_language(client_as: StaffClient) -> None:
    page = search(client_as(Role.INTERNAL_AGENT), "zzqxw")
    assert "No customer matches" in page
    client = client_as(Role.INTERNAL_AGENT)
    response = client.get(SEARCH, {"q": "zzqxw"}, headers={"accept-language": "fr-FR,fr;q=0.9"})
    assert "Aucun client ne correspond à «\xa0zzqxw\xa0»." in response.content.decode()


def test_the_language_switcher_sets_the_cookie(client_as: StaffClient) -> None:
    client = client_as(Role.INTERNAL_AGENT)
    response = client.post(reverse("set_language"), {"language": "fr", "next": SEARCH}, follow=True)
    assert response.redirect_chain[-1][0] == SEARCH
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert "Rechercher un client" in response.content.decode()


def test_the_login_error_in_french(world: World) -> None:
    client = Client(headers={"accept-language": "fr"})
    response = client.post(LOGIN, {"username": "ines.internal", "password": "nope"})
    assert "ne correspondent pas" in response.content.decode()
