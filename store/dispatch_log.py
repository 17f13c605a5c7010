"""The dispatch log: each scheduled message goes to each recipient once a day, whichever process sends it and
however often the job runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from store.base import StoreBase
from store.models import Dispatch, UtcDateTime

# A claim not marked sent within this time belongs to a sender that died: another may take it over.
CLAIM_LEASE = timedelta(minutes=2)


_dispatch = Dispatch.__table__
# One job's deliveries of one day: every dispatch statement is about those.
_JOB_DAY = (_dispatch.c.job == bindparam("d_job"), _dispatch.c.day == bindparam("d_day", type_=Date))
_DONE = select(_dispatch.c.recipient).where(
    *_JOB_DAY,
    _dispatch.c.status != "claimed",
)
_HOLDERS = (
    select(_dispatch.c.claimed_by)
    .where(
        *_JOB_DAY,
        _dispatch.c.recipient.in_(bindparam("d_recipients", expanding=True)),
        _dispatch.c.status == "claimed",
    )
    .distinct()
)
_TAKE_OVER = (
    update(_dispatch)
    .where(
        *_JOB_DAY,
        _dispatch.c.recipient.in_(bindparam("d_recipients", expanding=True)),
        _dispatch.c.status == "claimed",
        or_(
            _dispatch.c.claimed_at < bindparam("d_stale_claim", type_=UtcDateTime()),
            _dispatch.c.claimed_by.in_(bindparam("d_gone", expanding=True)),
        ),
    )
    .values(claimed_by=bindparam("d_worker"), claimed_at=bindparam("d_now", type_=UtcDateTime()))
    .returning(_dispatch.c.recipient)
)
_FINISH = (
    update(_dispatch)
    .where(
        *_JOB_DAY,
        _dispatch.c.recipient.in_(bindparam("d_recipients", expanding=True)),
        _dispatch.c.claimed_by == bindparam("d_worker"),
    )
    .values(status=bindparam("d_status"), sent_at=bindparam("d_now", type_=UtcDateTime()))
)
_RELEASE = delete(_dispatch).where(
    *_JOB_DAY,
    _dispatch.c.recipient.in_(bindparam("d_recipients", expanding=True)),
    _dispatch.c.claimed_by == bindparam("d_worker"),
    _dispatch.c.status == "claimed",
)


class DispatchLogStore(StoreBase):
    """Who has been sent what, per job and day."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        upsert = sqlite_insert if self.engine.dialect.name == "sqlite" else postgresql_insert
        self._insert_claims = (
            upsert(_dispatch)
            .on_conflict_do_nothing(index_elements=["job", "day", "recipient"])
            .returning(_dispatch.c.recipient)
        )

    # -- the dispatch log -----------------------------------------------------------------------------

    def dispatched(self, job: str, day: date) -> set[str]:
        """The recipients a job has already served on `day` (sent, or refused for good by the platform)."""
        with self._read() as connection:
            return set(connection.scalars(_DONE, {"d_job": job, "d_day": day}))

    def claim(
        self,
        job: str,
        day: date,
        recipients: list[str],
        worker: str,
        gone: Callable[[str], bool] | None = None,
    ) -> list[str]:
        """Claim recipients before sending to them; returns those this worker now holds.

        A recipient is held by whoever claimed it first, unless that claim was never marked sent and is older
        than CLAIM_LEASE, or its claimant is known to have ended (`gone` says so of a claimant's name): its
        sender died, and this worker takes it over.
        """
        if not recipients:
            return []
        now = self.now()
        with self._write() as connection:
            taken = set(
                connection.scalars(
                    self._insert_claims,
                    [
                        {
                            "job": job,
                            "day": day,
                            "recipient": r,
                            "status": "claimed",
                            "claimed_by": worker,
                            "claimed_at": now,
                        }
                        for r in recipients
                    ],
                )
            )
            rest = [r for r in recipients if r not in taken]
            if rest:
                where = {"d_job": job, "d_day": day, "d_recipients": rest}
                dead: list[str] = []
                if gone is not None:
                    dead = sorted(h for h in connection.scalars(_HOLDERS, where) if h != worker and gone(h))
                taken.update(
                    connection.scalars(
                        _TAKE_OVER,
                        {
                            **where,
                            "d_stale_claim": now - CLAIM_LEASE,
                            "d_gone": dead,
                            "d_worker": worker,
                            "d_now": now,
                        },
                    )
                )
        return [r for r in recipients if r in taken]

    def finish(self, job: str, day: date, recipients: list[str], worker: str, sent: bool = True) -> None:
        """Mark claimed recipients as sent (or as refused for good by the platform)."""
        with self._write() as connection:
            connection.execute(
                _FINISH,
                {
                    "d_job": job,
                    "d_day": day,
                    "d_recipients": recipients,
                    "d_worker": worker,
                    "d_status": "sent" if sent else "failed",
                    "d_now": self.now(),
                },
            )

    def release(self, job: str, day: date, recipients: list[str], worker: str) -> None:
        """Give back claims that were not sent, so the next run sends them."""
        if not recipients:
            return
        with self._write() as connection:
            connection.execute(
                _RELEASE, {"d_job": job, "d_day": day, "d_recipients": recipients, "d_worker": worker}
            )
