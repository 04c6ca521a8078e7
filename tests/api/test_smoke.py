from django.test import Client

from escalade.core.roles import Role


def test_smoke(client_as, world):
    c: Client = client_as(Role.ADMINISTRATOR)
    r = c.get("/api/customers/accounts")
    assert r.status_code == 200, r.content
    print(r.json())
    r = c.get(f"/api/customers/accounts/{world.dupont.pk}/file")
    assert r.status_code == 200, r.content
    print(r.json())
    r = c.get("/api/customers/lookup", {"q": "01 42 68 53 00"})
    print(r.status_code, r.json())
    r = c.get("/api/customers/lookup", {"q": "dupnt"})
    print(r.status_code, r.json())
    r = c.get("/api/openapi.json")
    assert r.status_code == 200
