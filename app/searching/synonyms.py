"""The search synonym table: curated data plus the site admins' edits, directed.

``synonym_table()`` maps a word (or phrase) someone searches for to the words whose
listings that search also finds: **directed** (a key finds its values, not the
reverse) and **natural** (lower case, with æ/ø/å and spaces as written; the backends
fold keys and values themselves, matching stems them).

The base is ``app/listings/synonyms.toml`` beside the category tree: groups of words
for the same thing (each finds every other) and directed ``finds`` entries (a narrower
word finds its broader one; a general word finds named kinds that do not contain it).
A target includes its group, and nothing chains further: siblings never reach each
other through a common word.

A site admin adds or removes one directed pair at ``/admin/synonyms``; each edit is a
row in ``search_synonym_edits`` (``active`` true: added, false: removed from the
curated base), is audited, and emits ``search.settings`` on the outbox so the engine
gets the new table (the settings fingerprint in ``app.searching.backend`` tells a
Meilisearch server apart from one that already has it).
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy.orm import Mapped, mapped_column

from app import outbox
from app.db import UTCDateTime, db, utcnow

DATA_FILE = Path(__file__).resolve().parent.parent / "listings" / "synonyms.toml"
#: The outbox topic that brings the engine's settings up to date after an edit.
SETTINGS_TOPIC = "search.settings"
#: The longest word or phrase an admin may enter (the data file keeps far below it).
WORD_MAX = 80


class SynonymEdit(db.Model):
    """A site admin's change to the curated table: one directed pair added or removed."""

    __tablename__ = "search_synonym_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What someone searches for (natural, lower case, single spaces).
    word: Mapped[str] = mapped_column(sa.String(WORD_MAX))
    #: What that search also finds.
    finds: Mapped[str] = mapped_column(sa.String(WORD_MAX))
    #: True: the pair is added; False: the curated pair is taken away.
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.Integer)  # no FK: like the audit log
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("word", "finds", name="uq_search_synonym_edits_pair"),)

    def __repr__(self) -> str:
        sign = "+" if self.active else "-"
        return f"<SynonymEdit {sign}{self.word!r}->{self.finds!r}>"


def normalize_word(text: str | None) -> str:
    """Lower case with single spaces, as the table keeps words (not folded)."""
    return re.sub(r"\s+", " ", (text or "").strip().lower())


# --- the curated base --------------------------------------------------------------------


@cache
def _data() -> tuple[tuple[tuple[str, ...], ...], dict[str, tuple[str, ...]]]:
    raw = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    groups = tuple(tuple(dict.fromkeys(normalize_word(w) for w in group))
                   for group in raw.get("same", []))
    finds = {normalize_word(k): tuple(normalize_word(v) for v in values)
             for k, values in raw.get("finds", {}).items()}
    return groups, finds


def data_problems() -> list[str]:
    """What is wrong with the data file (a word in two groups, an empty entry)."""
    groups, finds = _data()
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, group in enumerate(groups):
        if len(group) < 2:
            problems.append(f"group {i + 1} has fewer than two words: {group}")
        for word in group:
            if not word:
                problems.append(f"group {i + 1} has an empty word")
            elif word in seen and seen[word] != i:
                problems.append(f"{word!r} is in groups {seen[word] + 1} and {i + 1}")
            seen.setdefault(word, i)
    for key, values in finds.items():
        if not key or not values or not all(values):
            problems.append(f"finds entry {key!r} is empty or has an empty target")
    return problems


@cache
def curated_table() -> dict[str, tuple[str, ...]]:
    """The directed table from the data file alone (no admin edits)."""
    groups, finds = _data()
    group_of: dict[str, tuple[str, ...]] = {}
    for group in groups:
        for word in group:
            group_of.setdefault(word, group)
    table: dict[str, list[str]] = {}

    def add(key: str, value: str) -> None:
        if value != key:
            bucket = table.setdefault(key, [])
            if value not in bucket:
                bucket.append(value)

    for group in groups:
        for key in group:
            for value in group:
                add(key, value)
    for key, targets in finds.items():
        for source in group_of.get(key, (key,)):
            for target in targets:
                for value in group_of.get(target, (target,)):
                    add(source, value)
    return {key: tuple(values) for key, values in table.items()}


# --- with the admins' edits --------------------------------------------------------------


def edits() -> list[SynonymEdit]:
    return list(db.session.scalars(sa.select(SynonymEdit)
                                   .order_by(SynonymEdit.word, SynonymEdit.finds)))


def synonym_table() -> dict[str, list[str]]:
    """Directed table (natural keys): a search for a key also finds its values.

    The curated data with the site admins' edits applied; outside an application context
    (or before the table exists) the curated data alone."""
    table = {key: list(values) for key, values in curated_table().items()}
    if not has_app_context():
        return table
    if not sa.inspect(db.session.get_bind()).has_table(SynonymEdit.__tablename__):
        return table  # before the migration ran (no rollback: the caller's work stays)
    rows = db.session.execute(sa.select(SynonymEdit.word, SynonymEdit.finds, SynonymEdit.active)
                              .order_by(SynonymEdit.id)).all()
    for word, finds, active in rows:
        bucket = table.setdefault(word, [])
        if active and finds not in bucket:
            bucket.append(finds)
        elif not active and finds in bucket:
            bucket.remove(finds)
    return {key: values for key, values in table.items() if values}


def finds(word: str, other: str) -> bool:
    """Whether a search for ``word`` also finds ``other`` in the current table."""
    return normalize_word(other) in synonym_table().get(normalize_word(word), [])


def _changed() -> None:
    """The table changed in this transaction: tell the engine (outbox) and forget caches."""
    outbox.emit(SETTINGS_TOPIC)
    try:
        from app.matching.text import clear_caches
    except ImportError:  # pragma: no cover - matching without its caches
        return
    clear_caches()


def _validate(word: str, other: str, reason: str) -> tuple[str, str, str]:
    from flask_babel import gettext as _

    from app.audit import checked_reason
    from app.errors import ValidationFailed

    word, other = normalize_word(word), normalize_word(other)
    errors: dict[str, list[str]] = {}
    for field, value in (("word", word), ("finds", other)):
        if not value:
            errors[field] = [_("Skriv et ord eller uttrykk.")]
        elif len(value) > WORD_MAX:
            errors[field] = [_("Høyst %(n)s tegn.", n=WORD_MAX)]
        elif not re.search(r"\w", value):
            errors[field] = [_("Skriv minst én bokstav eller ett tall.")]
    if word and word == other:
        errors.setdefault("finds", []).append(_("Et ord er alltid sitt eget synonym."))
    try:
        reason = checked_reason(reason)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return word, other, reason


def add_synonym(word: str, other: str, reason: str, actor) -> bool:
    """Make a search for ``word`` also find ``other``; audited. False if it already did.

    Raises ``ValidationFailed`` with field errors (``word``, ``finds``, ``reason``).
    Flushes; the caller commits."""
    from app.audit import record

    word, other, reason = _validate(word, other, reason)
    if other in synonym_table().get(word, []):
        return False
    edit = db.session.scalar(sa.select(SynonymEdit).filter_by(word=word, finds=other))
    curated = other in curated_table().get(word, ())
    if edit is not None:  # an admin had removed the curated pair: take that back
        db.session.delete(edit)
    if not curated:
        edit = SynonymEdit(word=word, finds=other, active=True, reason=reason,
                           created_by_id=getattr(actor, "id", None))
        db.session.add(edit)
    db.session.flush()
    record("search_synonym.add", "search_synonym", edit.id if not curated else None,
           actor=actor, reason=reason, after={"word": word, "finds": other})
    _changed()
    return True


def remove_synonym(word: str, other: str, reason: str, actor) -> bool:
    """Stop a search for ``word`` from finding ``other``; audited. False if it did not."""
    from app.audit import record

    word, other, reason = _validate(word, other, reason)
    if other not in synonym_table().get(word, []):
        return False
    edit = db.session.scalar(sa.select(SynonymEdit).filter_by(word=word, finds=other))
    edit_id = edit.id if edit is not None else None
    if edit is not None:  # an admin's own addition goes away
        db.session.delete(edit)
    if other in curated_table().get(word, ()):
        edit = SynonymEdit(word=word, finds=other, active=False, reason=reason,
                           created_by_id=getattr(actor, "id", None))
        db.session.add(edit)
        db.session.flush()
        edit_id = edit.id
    db.session.flush()
    record("search_synonym.remove", "search_synonym", edit_id, actor=actor, reason=reason,
           before={"word": word, "finds": other})
    _changed()
    return True


@outbox.handler(SETTINGS_TOPIC, name="search.settings")
def apply_settings(_payload: dict) -> None:
    """Outbox consumer: give the engine the current synonym table (raises
    ``SearchUnavailable`` when it is down, so the outbox retries)."""
    from app.searching.backend import ensure_configured, raw_backend

    ensure_configured(raw_backend())
