"""Static content pages in both languages, operator details from configuration.

Om tjenesten (/om), Kontakt (/kontakt), Personvernerklæring (/personvern), Vilkår for
bruk (/vilkar) and Tilgjengelighetserklæring (/tilgjengelighet). The long texts are one
template per language (templates/pages/<nb|en>/<page>.html), chosen by the current
locale. Kontakt and the accessibility statement carry a feedback form that e-mails the
operator (``OPERATOR_EMAIL``), at most ``FEEDBACK_RATE_LIMIT`` per client address.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from app import formatting
from app.extensions import client_address, limiter
from app.mail import queue_mail, register_subject
from app.pagecache import public_page
from app.pages import accessibility

bp = Blueprint("pages", __name__)

register_subject("feedback", lambda c: _("Tilbakemelding fra Kretsløp: %(topic)s",
                                         topic=c["topic"]))

TOPICS = {"kontakt": _l("Kontakt"), "tilgjengelighet": _l("Tilgjengelighet")}


class FeedbackForm(FlaskForm):
    name = StringField(_l("Navn (valgfritt)"), validators=[Optional(), Length(max=200)])
    email = EmailField(_l("E-post (valgfritt, hvis du vil ha svar)"),
                       validators=[Optional(), Email(_l("Ugyldig e-postadresse.")),
                                   Length(max=254)])
    page = StringField(_l("Hvilken side gjelder det? (valgfritt)"),
                       validators=[Optional(), Length(max=500)])
    message = TextAreaField(_l("Melding"),
                            validators=[DataRequired(_l("Skriv en melding.")),
                                        Length(max=5000, message=_l(
                                            "Meldingen kan ikke være lengre enn %(max)d "
                                            "tegn."))])


def _locale() -> str:
    locale = str(get_locale() or "nb")
    return locale if locale in ("nb", "en") else "nb"


def operator() -> dict:
    config = current_app.config
    return {"name": config.get("OPERATOR_NAME") or "", "email": config.get("OPERATOR_EMAIL") or "",
            "orgnr": config.get("OPERATOR_ORGNR") or ""}


def _render(page: str, status: int = 200, **context):
    return render_template(f"pages/{_locale()}/{page}.html", operator=operator(),
                           **context), status


def _feedback_limit():
    return current_app.config["FEEDBACK_RATE_LIMIT"]


def _feedback(topic: str, page: str, **context):
    """GET shows the page with the form; POST sends the operator an e-mail."""
    form = FeedbackForm()
    if form.validate_on_submit():
        sender = current_user.email if current_user.is_authenticated else ""
        queue_mail(current_app.config["OPERATOR_EMAIL"], "feedback", "nb",
                   topic=str(TOPICS[topic]), name=(form.name.data or "").strip(),
                   email=(form.email.data or "").strip(), signed_in_as=sender,
                   page=(form.page.data or "").strip(), message=form.message.data.strip())
        flash(_("Takk! Meldingen er sendt til %(operator)s.",
                operator=operator()["name"]), "success")
        return redirect(url_for(f"pages.{page}") + "#feedback")
    status = 422 if form.errors else 200
    return _render(page, status, form=form, **context)


@bp.get("/om")
@public_page
def about():
    return _render("about")


@bp.route("/kontakt", methods=["GET", "POST"])
@limiter.limit(_feedback_limit, key_func=client_address, methods=["POST"], scope="feedback")
def contact():
    return _feedback("kontakt", "contact")


@bp.get("/personvern")
@public_page
def privacy():
    from app.privacy import record

    config = current_app.config
    return _render("privacy", activities=record.activities(), headings=record.headings(),
                   retention={
        "messages": config["RETENTION_MESSAGE_DAYS"],
        "inactive": config["RETENTION_INACTIVE_ACCOUNT_DAYS"],
        "export": config["DATA_EXPORT_TTL_HOURS"],
        "outbox": config.get("RETENTION_OUTBOX_DAYS", 30),
    }, session_cookie=config.get("SESSION_COOKIE_NAME") or "session",
        remember_cookie=config.get("REMEMBER_COOKIE_NAME") or "remember_token",
        remember_days=_remember_days(config))


def _remember_days(config) -> int:
    """Flask-Login's "Husk meg" cookie lifetime (its default is 365 days)."""
    duration = config.get("REMEMBER_COOKIE_DURATION") or timedelta(days=365)
    if not isinstance(duration, timedelta):
        duration = timedelta(seconds=int(duration))
    return duration.days


@bp.get("/vilkar")
@public_page
def terms():
    return _render("terms")


@bp.route("/tilgjengelighet", methods=["GET", "POST"])
@limiter.limit(_feedback_limit, key_func=client_address, methods=["POST"], scope="feedback")
def accessibility_statement():
    return _feedback("tilgjengelighet", "accessibility_statement",
                     tested=accessibility, reviewed=accessibility.REVIEWED,
                     reviewed_text=formatting.date(accessibility.REVIEWED, "long"))
