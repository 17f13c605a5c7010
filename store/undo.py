"""Undo: the entry a person would take back, and what a message already took back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import literal_column, select, union_all

from store.base import StoreBase
from store.models import AssetStep, Case, Contact, LawsuitStage, Repayment
from store.sql import unreversed


class UndoStore(StoreBase):
    """What `撤销` (undo) takes back."""

    def last_entry(self, person_id: int, within: timedelta) -> tuple[str, int] | None:
        """The person's latest unreversed contact, repayment, lawsuit stage or step on an asset made within
        `within`: ("contact"|"repayment"|"lawsuit"|"asset", id)."""
        since = self.now() - within
        contacts = select(
            literal_column("'contact'").label("kind"), Contact.id.label("id"), Contact.at.label("at")
        ).where(Contact.person_id == person_id, Contact.at >= since, unreversed(Contact))
        repayments = select(
            literal_column("'repayment'").label("kind"),
            Repayment.id.label("id"),
            Repayment.created_at.label("at"),
        ).where(
            Repayment.person_id == person_id,
            Repayment.created_at >= since,
            Repayment.status != "rejected",
            unreversed(Repayment),
        )
        stages = select(
            literal_column("'lawsuit'").label("kind"),
            LawsuitStage.id.label("id"),
            LawsuitStage.at.label("at"),
        ).where(LawsuitStage.person_id == person_id, LawsuitStage.at >= since, unreversed(LawsuitStage))
        # Steps on an asset are not undone (a wrong one is recorded again right); its registration is undone
        # through its offset's repayment.
        asset_steps = select(
            literal_column("'asset'").label("kind"),
            AssetStep.id.label("id"),
            AssetStep.at.label("at"),
        ).where(
            AssetStep.person_id == person_id,
            AssetStep.at >= since,
            AssetStep.action.not_in(("register", "import")),
        )
        both = union_all(contacts, repayments, stages, asset_steps).subquery()
        with self._session() as session:
            row = session.execute(
                select(both.c.kind, both.c.id).order_by(both.c.at.desc(), both.c.id.desc()).limit(1)
            ).first()
            return (str(row[0]), int(row[1])) if row else None

    def reversal_by_message(self, source_key: str) -> tuple[str, str] | None:
        """The reversal a message already made, as (kind, loan number): a re-delivered undo undoes no more."""
        with self._session() as session:
            for model in (Repayment, Contact, LawsuitStage):
                loan_no = session.scalar(
                    select(Case.loan_no)
                    .join(model, model.case_id == Case.id)
                    .where(model.source_key == source_key, model.reverses_id.is_not(None))
                )
                if loan_no is not None:
                    kind = {Repayment: "repayment", Contact: "contact", LawsuitStage: "lawsuit"}[model]
                    return (kind, str(loan_no))
        return None
