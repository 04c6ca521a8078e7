"""Plain dicts of lookups and customer files, shared by the API and the console pages."""

from typing import Any

from escalade.customers.queries import CustomerFile, Match


def match_payload(match: Match) -> dict[str, Any]:
    return {
        "account": match.account,
        "contact": match.contact,
        "matched_on": match.matched_on,
        "score": round(match.score, 1),
    }


def file_payload(found: CustomerFile) -> dict[str, Any]:
    return {
        "account": found.account,
        "covered": found.covered,
        "contacts": found.contacts,
        "contracts": [
            {
                "id": status.contract.pk,
                "number": status.contract.number,
                "plan": status.contract.plan.name,
                "coverage": status.contract.plan.coverage,
                "starts_on": status.contract.starts_on,
                "ends_on": status.contract.ends_on,
                "state": status.state.value,
                "l1_partner": status.contract.l1_partner.name
                if status.contract.l1_partner
                else None,
                "products": [product.name for product in status.contract.products.all()],
                "allowances": status.allowances,
            }
            for status in found.contracts
        ],
        "licences": [
            {
                "pid": licence.pid,
                "product": licence.product.name,
                "product_code": licence.product.code,
                "version": licence.version.version if licence.version else None,
                "purchased_on": licence.purchased_on,
            }
            for licence in found.licences
        ],
        "open_incidents": found.open_incidents,
    }
