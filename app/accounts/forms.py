"""Forms for the account pages (CSRF through Flask-WTF; field errors shown inline)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

ORG_KINDS = [
    SelectChoice("business", _l("Bedrift")),
    SelectChoice("reuse_shop", _l("Ombruksbutikk")),
    SelectChoice("municipality", _l("Kommune")),
    SelectChoice("nonprofit", _l("Frivillig organisasjon")),
]
ROLES = [
    SelectChoice("member", _l("Medlem")),
    SelectChoice("admin", _l("Administrator")),
    SelectChoice("owner", _l("Eier")),
]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-post"), validators=[DataRequired(_l("Fyll inn e-post.")),
                                                 Length(max=254)])
    password = PasswordField(_l("Passord"), validators=[DataRequired(_l("Fyll inn passord.")),
                                                        Length(max=256)])
    remember = BooleanField(_l("Husk meg"))


class RegisterForm(FlaskForm):
    name = StringField(_l("Ditt navn"), validators=[DataRequired(_l("Fyll inn navn.")),
                                                    Length(max=200)])
    email = EmailField(_l("E-post"), validators=[DataRequired(_l("Fyll inn e-post.")),
                                                 Email(_l("Ugyldig e-postadresse.")),
                                                 Length(max=254)])
    org_name = StringField(_l("Organisasjonens navn"),
                           validators=[Optional(), Length(max=200)],
                           description=_l("Kan stå tomt når du oppgir organisasjonsnummer: "
                                          "vi henter navnet fra Enhetsregisteret."))
    org_kind = SelectField(_l("Type organisasjon"), choices=ORG_KINDS,
                           validators=[DataRequired()])
    orgnr = StringField(_l("Organisasjonsnummer"), validators=[Optional(), Length(max=20)],
                        description=_l("9 siffer. Vi sjekker nummeret i Enhetsregisteret. "
                                       "Kan stå tomt for frivillige organisasjoner, som da "
                                       "verifiseres av en administrator."))
    address = StringField(_l("Adresse"), validators=[Optional(), Length(max=200)])
    postcode = StringField(_l("Postnummer"), validators=[Optional(), Length(max=4)])
    city = StringField(_l("Poststed"), validators=[Optional(), Length(max=100)])


class ConfirmRegistrationForm(FlaskForm):
    """The page the confirmation link opens: the password is chosen here, never before."""

    password = PasswordField(_l("Passord (minst 10 tegn)"),
                             validators=[DataRequired(_l("Velg et passord.")), Length(max=256)])


class InviteForm(FlaskForm):
    email = EmailField(_l("E-post"), validators=[DataRequired(_l("Fyll inn e-post.")),
                                                 Length(max=254)])
    role = SelectField(_l("Rolle"), choices=ROLES, default="member")


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Ditt navn"), validators=[DataRequired(_l("Fyll inn navn.")),
                                                    Length(max=200)])
    password = PasswordField(_l("Passord (minst 10 tegn)"),
                             validators=[DataRequired(_l("Velg et passord.")), Length(max=256)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-post"), validators=[DataRequired(_l("Fyll inn e-post.")),
                                                 Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("Nytt passord (minst 10 tegn)"),
                             validators=[DataRequired(_l("Velg et passord.")), Length(max=256)])
    revoke_tokens = BooleanField(_l("Trekk tilbake alle API-nøkler"), default=True)


class TokenForm(FlaskForm):
    name = StringField(_l("Navn på nøkkelen"), validators=[Optional(), Length(max=100)])
