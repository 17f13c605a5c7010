"""Loading the made-up demo campaign into an empty ledger (`qingshou demo`, `make run`)."""

from __future__ import annotations

from collections.abc import Callable

from core.errors import UserError
from core.import_plan import plan_import
from core.loan_import import Holder, plan_loans
from core.records import ProblemLog
from core.texts import render
from seed.campaign import SCALES, generate_campaign
from store.ledger import Store

Advance = Callable[[str, int, int | None], None]


def load_demo(
    store: Store, scale: str, advance: Advance | None = None, language: str = "zh"
) -> dict[str, int]:
    """Generate the campaign of `scale` and write it; returns what was loaded, counted."""
    if scale not in SCALES:
        raise UserError("demo.unknown_scale", scale=scale)
    if not store.is_empty():
        raise UserError("demo.not_empty")
    step = advance or (lambda _task, _n, _total=None: None)
    # Made up as of this moment: nothing in it is later than the load.
    now = store.now()
    campaign = generate_campaign(scale, store.campaign, store.campaign.today(now), now=now)
    plan, problems = plan_import(store.import_snapshot(), campaign.units, campaign.people, campaign.cases)
    if problems:  # a defect of the generator, not of the user's input
        raise RuntimeError("demo campaign is inconsistent: " + problems[0].render("en"))
    total = len(campaign.units) + len(campaign.people) + len(campaign.cases)
    label = render("import.writing", language)
    store.apply_import(plan, actor="demo", source=f"demo:{scale}", progress=lambda n: step(label, n, total))
    activity = len(campaign.contacts) + len(campaign.repayments)
    store.load_campaign(
        campaign.contacts,
        campaign.promises,
        campaign.repayments,
        progress=lambda n: step(render("import.activity", language), n, activity),
    )
    # The new loans, checked as an import checks them, each with its responsible person of its unit.
    holders = {p.employee_no: Holder(p.unit, p.role) for p in campaign.people}
    units = {unit.name for unit in campaign.units}
    problems = ProblemLog()
    loans = plan_loans(campaign.loans, store.loan_snapshot(), units, holders, problems)
    if problems.count:
        raise RuntimeError("demo loans are inconsistent: " + problems.first()[0].render("en"))
    store.import_loans(loans, actor="demo", source=f"demo:{scale}")
    return {
        "loans": len(campaign.loans),
        "units": len(campaign.units),
        "people": len(campaign.people),
        "cases": len(campaign.cases),
        "contacts": len(campaign.contacts),
        "repayments": len(campaign.repayments),
    }
