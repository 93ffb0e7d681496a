"""Questions waiting for the lister's answer, for the "Til behandling" panel
(``app.notifications.todo``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app.db import db
from app.questions.models import QuestionThread

LIMIT = 10


@dataclass(frozen=True)
class Unanswered:
    thread_id: int
    title: str
    path: str
    asked_at: datetime


def unanswered_for(org_id: int, limit: int = LIMIT) -> list[Unanswered]:
    """Threads on ``org_id``'s listings whose last message is the asker's, oldest first."""
    threads = db.session.scalars(
        sa.select(QuestionThread)
        .where(QuestionThread.seller_org_id == org_id,
               QuestionThread.last_org_id == QuestionThread.asker_org_id)
        .order_by(QuestionThread.updated_at, QuestionThread.id).limit(limit))
    return [Unanswered(t.id, _("%(org)s spør om «%(title)s»", org=t.asker_org.name,
                               title=t.listing.title),
                       f"/questions/{t.id}", t.updated_at) for t in threads]
