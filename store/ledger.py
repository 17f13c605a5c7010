"""The store: the ledger's operations in the domain's words, composed from one module per subject. The only
code that speaks SQL is under `store/`; this module only puts the parts together."""

from __future__ import annotations

from sqlalchemy import func, select

from store.accountability import AccountabilityStore
from store.assets import AssetStore
from store.assignments import AssignmentStore
from store.campaign_load import CampaignLoadStore
from store.case_events import CaseEventStore
from store.cases import CaseStore
from store.check import CheckStore
from store.complaints import ComplaintStore
from store.compliance import ComplianceStore
from store.contacts import ContactStore
from store.conversation import ConversationStore
from store.dispatch_log import DispatchLogStore
from store.export import ExportStore
from store.imports import ImportStore
from store.inactivity import InactivityStore
from store.inbox import InboxStore
from store.lawsuits import LawsuitStore
from store.loan_watch import LoanWatchStore
from store.models import Case, Person, Unit
from store.new_loans import NewLoanStore
from store.notice_register import NoticeRegisterStore
from store.pack_figures import PackFigureStore
from store.people import PeopleStore
from store.progress import ProgressStore
from store.repayments import RepaymentStore
from store.todo_lists import TodoListStore
from store.undo import UndoStore


class Store(
    ImportStore,
    PeopleStore,
    ConversationStore,
    CaseStore,
    CaseEventStore,
    ContactStore,
    LawsuitStore,
    PackFigureStore,
    AssetStore,
    UndoStore,
    RepaymentStore,
    ProgressStore,
    TodoListStore,
    NoticeRegisterStore,
    DispatchLogStore,
    CampaignLoadStore,
    ExportStore,
    CheckStore,
    InboxStore,
    InactivityStore,
    AccountabilityStore,
    ComplaintStore,
    AssignmentStore,
    ComplianceStore,
    NewLoanStore,
    LoanWatchStore,
):
    """The ledger on SQLite or PostgreSQL."""

    def is_empty(self) -> bool:
        """Whether the ledger has no unit, person or case yet."""
        with self._session() as session:
            return all(session.scalar(select(func.count()).select_from(t)) == 0 for t in (Unit, Person, Case))
