"""Search synonyms in the console (``/admin/synonyms``): what a word finds, the site
admins' additions and removals, and the searches that found nothing (with a suggested
synonym a click away). Site admins only, like the rest of ``/admin``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from app.accounts.views import apply_errors
from app.admin.views import ACTION_LABELS, bp
from app.db import commit, rollback
from app.errors import ValidationFailed
from app.listings.categories import all_categories
from app.searching import synonyms as service
from app.searching import zero_results

ZERO_RESULTS_SHOWN = 30
ACTION_LABELS.update({
    "search_synonym.add": _l("Synonym lagt til i søket"),
    "search_synonym.remove": _l("Synonym fjernet fra søket"),
})


class _Form(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect checks the request before the view


class AddForm(_Form):
    word = StringField(_l("Når noen søker etter"),
                       description=_l("Et ord eller uttrykk, for eksempel «ståpult»."))
    finds = StringField(_l("finner søket også"),
                        description=_l("Annonser med dette ordet kommer med i treffene. "
                                       "Det motsatte gjelder ikke."))
    reason = TextAreaField(_l("Begrunnelse"), description=_l("Lagres i revisjonsloggen."))


class RemoveForm(_Form):
    word = StringField(_l("Søkeord"))
    finds = StringField(_l("skal ikke lenger finne"))
    reason = TextAreaField(_l("Begrunnelse"), description=_l("Lagres i revisjonsloggen."))


def _page(add: AddForm, remove: RemoveForm, status: int = 200):
    word = service.normalize_word(request.args.get("word") or add.word.data or "")
    table = service.synonym_table()
    categories = {c.slug: c.name_nb for c in all_categories()}
    return render_template(
        "admin/synonyms.html", add_form=add, remove_form=remove, word=word,
        finds=table.get(word, []) if word else [],
        found_by=sorted(k for k, values in table.items() if word in values) if word else [],
        edits=service.edits(), curated=service.curated_table(),
        zero=zero_results.top(ZERO_RESULTS_SHOWN), categories=categories,
        title=_("Synonymer i søket"),
    ), status


@bp.get("/synonyms")
def synonyms():
    add = AddForm(formdata=None, prefix="add", data={
        "word": request.args.get("word", "")[:service.WORD_MAX],
        "finds": request.args.get("finds", "")[:service.WORD_MAX]})
    remove = RemoveForm(formdata=None, prefix="remove", data={
        "word": request.args.get("remove_word", "")[:service.WORD_MAX],
        "finds": request.args.get("remove_finds", "")[:service.WORD_MAX]})
    return _page(add, remove)


@bp.post("/synonyms")
def synonyms_change():
    action = request.form.get("action")
    add = AddForm(prefix="add") if action == "add" else AddForm(formdata=None, prefix="add")
    remove = (RemoveForm(prefix="remove") if action == "remove"
              else RemoveForm(formdata=None, prefix="remove"))
    if action not in ("add", "remove"):
        flash(_("Ukjent handling."), "error")
        return _page(add, remove, 400)
    form = add if action == "add" else remove
    run = service.add_synonym if action == "add" else service.remove_synonym
    try:
        changed = run(form.word.data, form.finds.data, form.reason.data, current_user)
    except ValidationFailed as exc:
        rollback()
        apply_errors(form, exc)
        return _page(add, remove, 422)
    word = service.normalize_word(form.word.data)
    other = service.normalize_word(form.finds.data)
    if not changed:
        rollback()
        flash(_("«%(word)s» finner allerede «%(other)s».", word=word, other=other)
              if action == "add" else
              _("«%(word)s» finner ikke «%(other)s».", word=word, other=other), "info")
        return redirect(url_for("admin.synonyms", word=word))
    commit()
    flash(_("Et søk etter «%(word)s» finner nå også «%(other)s».", word=word, other=other)
          if action == "add" else
          _("Et søk etter «%(word)s» finner ikke lenger «%(other)s».", word=word, other=other),
          "success")
    return redirect(url_for("admin.synonyms", word=word))
