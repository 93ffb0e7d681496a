"""Question pages: ask about a listing, one thread, and "Spørsmål" (ours and to us).

Bad input re-renders the page with field errors and what was typed (422; 429 for too
many messages); only the two organisations of a thread see it (404 for anyone else).
"""

from __future__ import annotations

import os

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.views import apply_errors
from app.common import user_or_none
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.listings import services as listing_services
from app.listings.models import Listing
from app.questions import services
from app.questions.forms import AskForm, ReplyForm
from app.questions.models import QuestionThread

bp = Blueprint("questions", __name__)
PER_PAGE = 20


@bp.record_once
def _configure(state) -> None:
    config = state.app.config
    for name, default in services.DEFAULTS.items():
        value = os.environ.get(name)
        config.setdefault(name, int(value) if value not in (None, "") else default)
    state.app.jinja_env.globals.update(listing_questions=listing_questions,
                                       question_thread_for=services.thread_for_reservation,
                                       questions_waiting=questions_waiting)


def questions_waiting() -> int:
    """How many questions to the current user's organisations' listings wait for an
    answer ("Våre annonser" says so beside its link to them)."""
    user = user_or_none()
    if user is None:
        return 0
    return services.waiting_count([m.organization_id for m in user.memberships])


def ask_form(listing: Listing, formdata: bool = False) -> AskForm | None:
    """The form for ``listing`` if the current user may ask about it, else None."""
    choices = services.asker_choices(user_or_none(), listing)
    if not choices:
        return None
    form = AskForm(prefix="ask") if formdata else AskForm(prefix="ask", formdata=None)
    form.organization_id.choices = [(str(o.id), o.name) for o in choices]
    return form


def listing_questions(listing: Listing) -> dict:
    """For the listing page's block: the threads the user may read, the ask form and
    a reply form per thread."""
    user = user_or_none()
    threads = services.threads_on_listing(listing, user)
    asked = {t.asker_org_id for t in threads}
    form = ask_form(listing)
    if form is not None:  # organisations that have asked continue in their thread
        form.organization_id.choices = [c for c in form.organization_id.choices
                                        if int(c[0]) not in asked]
        if not form.organization_id.choices:
            form = None
    return {"threads": threads, "ask_form": form,
            "is_lister": bool(user and user.has_role(listing.organization_id)),
            "reply_form": ReplyForm(formdata=None),
            "open": services.is_open(listing)}


def _failed(form, exc) -> int:
    if isinstance(exc, ValidationFailed):
        apply_errors(form, exc)
        return 422
    form.body.errors = [*form.body.errors, exc.detail]  # 429: said next to the message
    return exc.status


@bp.route("/listings/<int:listing_id>/questions", methods=["GET", "POST"])
@login_required
def ask(listing_id: int):
    listing = listing_services.visible_listing(listing_id, current_user)
    form = ask_form(listing, formdata=request.method == "POST")
    is_lister = current_user.has_role(listing.organization_id)
    if form is None and not is_lister:
        raise PermissionDenied(_("Du må være medlem av en organisasjon for å "
                                          "stille spørsmål."))
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Dere kan ikke stille spørsmål om deres egen "
                                              "annonse."))
        if form.validate_on_submit():
            try:
                message = services.ask(current_user, listing.id, form.body.data,
                                       organization_id=form.organization_id.data or None)
            except Conflict as exc:
                flash(exc.detail, "error")
                status = 409
            except (ValidationFailed, services.TooMany) as exc:
                status = _failed(form, exc)
            else:
                flash(_("Spørsmålet er sendt. Du får beskjed når det er besvart."), "success")
                return redirect(url_for("questions.thread", thread_id=message.thread_id)
                                + "#question-thread")
        else:
            status = 422
    return render_template("questions/ask.html", listing=listing, form=form,
                           threads=services.threads_on_listing(listing, current_user),
                           is_lister=is_lister), status


def render_thread(thread: QuestionThread, form: ReplyForm | None = None, status: int = 200):
    return render_template("questions/thread.html", thread=thread,
                           side=services.side_of(thread, current_user),
                           form=form or ReplyForm(formdata=None),
                           reservations=services.reservations_of(thread),
                           open=services.is_open(thread.listing)), status


@bp.get("/questions/<int:thread_id>")
@login_required
def thread(thread_id: int):
    return render_thread(services.visible_thread(thread_id, current_user))


@bp.post("/questions/<int:thread_id>/messages")
@login_required
def reply(thread_id: int):
    found = services.visible_thread(thread_id, current_user)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            services.reply(found, current_user, form.body.data)
        except Conflict as exc:
            flash(exc.detail, "error")
            return render_thread(found, form, 409)
        except (ValidationFailed, services.TooMany) as exc:
            return render_thread(found, form, _failed(form, exc))
        flash(_("Meldingen er sendt."), "success")
        return redirect(url_for("questions.thread", thread_id=found.id) + "#question-thread")
    return render_thread(found, form, 422)


@bp.get("/questions")
@login_required
def mine():
    role = request.args.get("role", "")
    if role not in ("asker", "lister"):
        # open on the side that has something to answer
        from app.questions.todo import unanswered_for

        waiting = any(unanswered_for(m.organization_id, 1) for m in current_user.memberships)
        role = "lister" if waiting else "asker"
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    items, total = services.threads_for(current_user, role, page, PER_PAGE)
    return render_template("questions/list.html", items=items, total=total, role=role,
                           page=page, pages=max(1, -(-total // PER_PAGE)))
