"""Searches that found nothing: a signal for new synonyms and wanted requests.

``record(q, category)`` counts a search with words that had no hits. It keeps no
personal data: the folded query words (lower case, æ->ae, ø->o, å->aa, punctuation
gone, at most ``TEXT_MAX`` characters), the category slug when one was chosen, how many
times, and when it was first and last seen; never who searched, from where, or the
other filters. Queries that look like contact details (an ``@`` or a run of five or
more digits: phone numbers, personal or organisation numbers) are not kept at all.
At most ``MAX_ROWS`` distinct rows are kept: a new one pushes out the rarest, oldest.

``top(n)`` gives site admins the most frequent ones with a suggested synonym
(``suggestion()``: the closest word the table or the category tree knows).
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, db, utcnow
from search.text import fold, tokens

log = logging.getLogger(__name__)

#: The longest query text kept (longer queries are cut at a word boundary).
TEXT_MAX = 100
#: The most distinct (query, category) rows kept.
MAX_ROWS = 2000
_CONTACT = re.compile(r"@|\d{5,}|\d(?:[\s.-]?\d){7,}")


class ZeroResultQuery(db.Model):
    __tablename__ = "search_zero_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(sa.String(TEXT_MAX))
    #: The category filter's slug, "" without one.
    category: Mapped[str] = mapped_column(sa.String(64), default="")
    count: Mapped[int] = mapped_column(sa.Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("query", "category", name="uq_search_zero_results_query"),
        sa.Index("ix_search_zero_results_rank", "count", "last_seen"),
    )

    def __repr__(self) -> str:
        return f"<ZeroResultQuery {self.query!r} [{self.category}] x{self.count}>"


def folded_query(q: str | None) -> str:
    """The text kept for ``q``: folded words, single spaces, at most TEXT_MAX characters;
    "" when there is nothing to keep (no words, or what looks like contact details)."""
    q = q or ""
    if _CONTACT.search(q):
        return ""
    text = " ".join(fold(t) for t in tokens(q))
    if len(text) > TEXT_MAX:
        text = text[:TEXT_MAX + 1].rsplit(" ", 1)[0] if " " in text[:TEXT_MAX] \
            else text[:TEXT_MAX]
    return text.strip()


def _insert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def record(q: str | None, category: str | None = None) -> bool:
    """Count a search for ``q`` (with the ``category`` filter) that found nothing.

    Flushes in the current transaction; the caller commits. Returns False when nothing
    was kept (no words, or contact details)."""
    text = folded_query(q)
    if not text:
        return False
    now = utcnow()
    table = ZeroResultQuery.__table__
    statement = _insert()(table).values(query=text, category=(category or "")[:64], count=1,
                                        first_seen=now, last_seen=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.query, table.c.category],
        set_={"count": table.c.count + 1, "last_seen": now})
    db.session.execute(statement)
    _prune()
    return True


def _prune() -> None:
    """Keep at most MAX_ROWS rows: drop the rarest, least recently seen beyond that."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(ZeroResultQuery))
    if (total or 0) <= MAX_ROWS:
        return
    doomed = (sa.select(ZeroResultQuery.id)
              .order_by(ZeroResultQuery.count, ZeroResultQuery.last_seen, ZeroResultQuery.id)
              .limit(total - MAX_ROWS))
    db.session.execute(sa.delete(ZeroResultQuery)
                       .where(ZeroResultQuery.id.in_(doomed.scalar_subquery()))
                       .execution_options(synchronize_session=False))


def record_quietly(q: str | None, category: str | None = None) -> None:
    """``record()`` and commit in its own step; a failure is logged, never shown.

    The row changes no page anyone sees, so it does not invalidate the cached public
    pages (a stream of odd searches must not empty the page cache). An anonymous
    visitor served a cached empty page is not counted again: counts are renderings."""
    from app.db import commit, rollback
    from app.pagecache import WROTE

    session = db.session()
    wrote_before = session.info.get(WROTE, False)
    try:
        if record(q, category):
            if not wrote_before:  # a log row changes no public page: keep the page cache
                session.info.pop(WROTE, None)
            commit()
    except sa.exc.SQLAlchemyError:
        rollback()
        log.warning("could not record a zero-result search", exc_info=True)


# --- for site admins ---------------------------------------------------------------------


@dataclass
class Row:
    query: str
    category: str
    count: int
    first_seen: datetime
    last_seen: datetime
    suggestion: str


def top(n: int = 30) -> list[Row]:
    """The most frequent zero-result searches, most recent first among equals."""
    rows = db.session.scalars(sa.select(ZeroResultQuery)
                              .order_by(ZeroResultQuery.count.desc(),
                                        ZeroResultQuery.last_seen.desc(), ZeroResultQuery.id)
                              .limit(n))
    return [Row(r.query, r.category, r.count, r.first_seen, r.last_seen,
                suggestion(r.query, r.category)) for r in rows]


@cache
def _vocabulary() -> dict[str, str]:
    """Folded word -> natural word, from the curated table and the category names."""
    from app.listings.categories import _nodes
    from app.searching.synonyms import curated_table

    words: dict[str, str] = {}
    for node, _parent in _nodes().values():
        for name in (node.name_nb, node.name_en):
            words.setdefault(fold(name), name.lower())
    for key, values in curated_table().items():
        for word in (key, *values):
            words.setdefault(fold(word), word)
    return words


def suggestion(query: str, category: str = "") -> str:
    """The word a search for ``query`` most likely meant: the closest known word (a typo
    or a variant), else the known word it ends with (a compound's head), else the chosen
    category's name; "" when nothing is close."""
    vocabulary = _vocabulary()
    words = [w for w in vocabulary if w != query]
    close = difflib.get_close_matches(query, words, n=1, cutoff=0.92)  # a typo
    if close:
        return vocabulary[close[0]]
    for size in range(len(query) - 3, 3, -1):  # a compound: its head is the thing
        head = query[-size:]
        if head in vocabulary:
            return vocabulary[head]
    close = difflib.get_close_matches(query, words, n=1, cutoff=0.75)
    if close:
        return vocabulary[close[0]]
    if category:
        from app.listings.categories import _nodes

        node = _nodes().get(category)
        if node is not None:
            return node[0].name_nb.lower()
    return ""
