"""Who may do what (SPEC §1): officers their cases, unit leads their unit, leaders read, admins all."""

from __future__ import annotations

from core.views import AssetView, CaseView, PendingRepayment, PersonView

WORKERS = ("officer", "unit_lead", "admin")


def can_read_case(person: PersonView, case: CaseView) -> bool:
    """Whether the person may see a case."""
    if person.role == "officer":
        return case.officer_id == person.id
    if person.role == "unit_lead":
        return case.unit_id == person.unit_id
    return person.role in ("leader", "admin")


def can_write_case(person: PersonView, case: CaseView) -> bool:
    """Whether the person may log contacts and repayments on a case (leaders only read)."""
    if person.role == "leader":
        return False
    return can_read_case(person, case)


def can_see_unit(person: PersonView, unit_id: int | None) -> bool:
    """Whether the person may see a unit's progress."""
    if person.role in ("leader", "admin"):
        return True
    return person.role == "unit_lead" and unit_id == person.unit_id


def can_decide(person: PersonView, pending: PendingRepayment) -> bool:
    """Whether the person may confirm or reject a reported repayment (never their own report)."""
    if pending.reporter_id == person.id:
        return False
    if person.role == "admin":
        return True
    return person.role == "unit_lead" and pending.unit_id == person.unit_id


def can_read_asset(person: PersonView, asset: AssetView) -> bool:
    """Whether the person may see a foreclosed asset: its custodian, its unit's leads, leaders and admins."""
    if person.role == "officer":
        return asset.custodian_no == person.employee_no
    if person.role == "unit_lead":
        return asset.unit_id == person.unit_id
    return person.role in ("leader", "admin")


def can_move_asset(person: PersonView, asset: AssetView, action: str) -> bool:
    """Whether the person may take a step on an asset: its custodian and unit leads, disposal only the unit's
    leads (and admins anywhere); leaders only read, and confirm what waits for them."""
    if person.role == "leader" or not can_read_asset(person, asset):
        return False
    return action != "dispose" or person.role in ("unit_lead", "admin")


def can_confirm_disposal(person: PersonView, asset: AssetView) -> bool:
    """Whether the person may confirm or refuse a disposal waiting for a leader: leaders and admins, never
    whoever registered the asset."""
    return person.role in ("leader", "admin") and person.id != asset.registered_by_id
