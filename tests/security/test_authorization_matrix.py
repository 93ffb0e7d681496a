"""Every route and API endpoint against every kind of caller.

Each (rule, method) has a policy: the set of roles that get through. "Through" means
anything but a denial; a denial is 401, 403, 404 or a redirect to the login page. The
roles: anonymous, a member of another organisation (outsider), member, admin and owner
of the seller organisation, the buyer organisation's owner (the other party), a
municipal officer and a site admin. A new route without a policy fails the test.
"""

from __future__ import annotations

import re

import pytest

from app.db import db
from tests.conftest import bearer, complete_two_factor
from tests.security.world import ROLES, build, fill

ALL = set(ROLES)
SIGNED_IN = ALL - {"anonymous"}
SELLER = {"member", "admin", "owner"}
PARTIES = SELLER | {"buyer"}
NOBODY: set[str] = set()
BUYER = {"buyer"}
ORG_ADMINS = {"admin", "owner", "site_admin"}
# Members of an organisation with municipal access (a verified KOMM) and site admins; never
# the owner of a self-registered, unverified "kommune" (self_municipality).
REPORTING = {"officer", "site_admin"}
SITE_ADMIN = {"site_admin"}
ORG_MEMBERS = SIGNED_IN - {"site_admin"}  # a site admin without an organisation cannot list
# Members of an organisation other than the lister's: may ask about the listing.
ASKERS = ORG_MEMBERS - SELLER

# Token links (invitations, password reset) are checked with a made-up token here, so
# nobody gets through; their real flows are tested in tests/accounts.


EXPECTED = {
    ('/', 'GET'): ALL,
    ('/account', 'GET'): SIGNED_IN,
    # Sessions, API tokens and two-factor (app/accounts/signin.py): each for themselves
    ('/account/security', 'GET'): SIGNED_IN,
    ('/account/security/sessions/<int:session_id>/end', 'POST'): {'owner'},
    ('/account/security/sessions/end-others', 'POST'): SIGNED_IN,
    ('/account/security/tokens', 'POST'): SIGNED_IN,
    ('/account/security/tokens/<int:token_id>/revoke', 'POST'): {'owner'},
    ('/account/security/two-factor', 'GET'): SIGNED_IN,
    ('/account/security/two-factor', 'POST'): SIGNED_IN,
    ('/account/security/two-factor/off', 'POST'): SIGNED_IN,
    ('/account/security/two-factor/recovery-codes', 'GET'): SIGNED_IN,
    ('/account/security/two-factor/recovery-codes', 'POST'): SIGNED_IN,
    ('/login/two-factor', 'GET'): NOBODY,  # only after a right password
    ('/login/two-factor', 'POST'): NOBODY,
    ('/organizations/<int:org_id>/two-factor', 'POST'): {'owner'},
    # My data (app/privacy): everyone signed in; an export's file only for its owner (the
    # world's export is the owner's); deleting needs the password (an empty form is 422).
    ('/account/data', 'GET'): SIGNED_IN,
    ('/account/data/export', 'POST'): SIGNED_IN,
    ('/account/data/exports/<int:export_id>/<key>', 'GET'): {'owner'},
    ('/account/delete', 'GET'): SIGNED_IN,
    ('/account/delete', 'POST'): SIGNED_IN,
    # Min konto settings (app/accounts/settings.py): everyone signed in, for themselves
    # (an empty form is 422); the e-mail link is checked with a made-up token (404); the
    # common-password list for the page's script is public.
    ('/account/profile', 'GET'): SIGNED_IN,
    ('/account/profile', 'POST'): SIGNED_IN,
    ('/account/email', 'GET'): SIGNED_IN,
    ('/account/email', 'POST'): SIGNED_IN,
    ('/account/email/confirm/<token>', 'GET'): NOBODY,
    ('/account/email/confirm/<token>', 'POST'): NOBODY,
    ('/account/password', 'GET'): SIGNED_IN,
    ('/account/password', 'POST'): SIGNED_IN,
    ('/account/password/common.json', 'GET'): ALL,
    # The service's pages (app/pages): public; the feedback forms take anyone's message.
    ('/om', 'GET'): ALL,
    ('/kontakt', 'GET'): ALL,
    ('/kontakt', 'POST'): ALL,
    ('/personvern', 'GET'): ALL,
    ('/vilkar', 'GET'): ALL,
    ('/tilgjengelighet', 'GET'): ALL,
    ('/tilgjengelighet', 'POST'): ALL,
    # The site admin console: site admins only (404 for everyone else, the login page
    # for anonymous visitors).
    ('/admin', 'GET'): SITE_ADMIN,
    ('/admin/audit', 'GET'): SITE_ADMIN,
    ('/admin/audit.csv', 'GET'): SITE_ADMIN,
    ('/admin/listings', 'GET'): SITE_ADMIN,
    ('/admin/listings/<int:listing_id>', 'GET'): SITE_ADMIN,
    ('/admin/listings/<int:listing_id>', 'POST'): SITE_ADMIN,
    ('/admin/processing', 'GET'): SITE_ADMIN,  # the record of processing
    ('/admin/processing.csv', 'GET'): SITE_ADMIN,
    ('/admin/organizations', 'GET'): SITE_ADMIN,
    ('/admin/organizations/<int:org_id>', 'GET'): SITE_ADMIN,
    ('/admin/organizations/<int:org_id>', 'POST'): SITE_ADMIN,
    ('/admin/organizations/<int:org_id>/registry-check', 'POST'): SITE_ADMIN,
    ('/admin/reports', 'GET'): SITE_ADMIN,
    ('/admin/reports/<int:report_id>', 'POST'): SITE_ADMIN,
    ('/admin/search', 'GET'): SITE_ADMIN,
    ('/admin/synonyms', 'GET'): SITE_ADMIN,
    ('/admin/synonyms', 'POST'): SITE_ADMIN,
    ('/admin/users', 'GET'): SITE_ADMIN,
    ('/admin/users/<int:user_id>', 'GET'): SITE_ADMIN,
    ('/admin/users/<int:user_id>', 'POST'): SITE_ADMIN,
    ('/admin/wanted', 'GET'): SITE_ADMIN,
    ('/admin/wanted/<int:request_id>', 'GET'): SITE_ADMIN,
    ('/admin/wanted/<int:request_id>', 'POST'): SITE_ADMIN,
    ('/api/v1/categories', 'GET'): ALL,
    ('/api/v1/emission-factors', 'GET'): ALL,
    ('/api/v1/ledger/<int:record_id>', 'GET'): PARTIES | REPORTING,
    # Reversals: the giver organisation's admins and owners, and site admins.
    ('/api/v1/ledger/<int:record_id>/reverse', 'POST'): ORG_ADMINS,
    ('/api/v1/listings', 'GET'): ALL,
    ('/api/v1/listings', 'POST'): SIGNED_IN,
    ('/api/v1/listings/<int:listing_id>', 'GET'): ALL,
    ('/api/v1/listings/<int:listing_id>', 'PATCH'): SELLER,
    ('/api/v1/listings/<int:listing_id>/images', 'POST'): SELLER,
    ('/api/v1/listings/<int:listing_id>/images/<int:image_id>', 'DELETE'): SELLER,
    ('/api/v1/listings/<int:listing_id>/matches', 'GET'): SELLER,
    ('/api/v1/listings/<int:listing_id>/publish', 'POST'): SELLER,
    # Questions: each reads the threads it may (the lister all, others their own: an
    # empty list is not a denial); other organisations ask (the lister answers with
    # asker_org_id, which the matrix's body does not name: 404).
    ('/api/v1/listings/<int:listing_id>/questions', 'GET'): SIGNED_IN,
    ('/api/v1/listings/<int:listing_id>/questions', 'POST'): ASKERS,
    ('/api/v1/listings/<int:listing_id>/withdraw', 'POST'): SELLER,
    ('/api/v1/matches/<int:match_id>/dismiss', 'POST'): BUYER,
    ('/api/v1/matches/<int:match_id>/interested', 'POST'): BUYER,
    ('/api/v1/me', 'GET'): SIGNED_IN,
    ('/api/v1/openapi.json', 'GET'): ALL,
    # Building projects in the API (app/projects/api.py): as the pages; the list for
    # everyone signed in; partners (buyer) map components, only the owner changes.
    ('/api/v1/projects', 'GET'): SIGNED_IN,
    ('/api/v1/projects', 'POST'): SIGNED_IN,
    ('/api/v1/projects/<int:project_id>', 'GET'): PARTIES | REPORTING,
    ('/api/v1/projects/<int:project_id>', 'PATCH'): SELLER,
    ('/api/v1/projects/<int:project_id>/complete', 'POST'): SELLER,
    ('/api/v1/projects/<int:project_id>/reopen', 'POST'): SELLER,
    ('/api/v1/projects/<int:project_id>/report', 'GET'): PARTIES | REPORTING,
    ('/api/v1/projects/<int:project_id>/publish', 'POST'): SELLER,
    ('/api/v1/projects/<int:project_id>/components', 'GET'): PARTIES | REPORTING,
    ('/api/v1/projects/<int:project_id>/components', 'POST'): PARTIES,
    ('/api/v1/projects/<int:project_id>/components/bulk', 'POST'): PARTIES,
    ('/api/v1/projects/<int:project_id>/components/<int:component_id>', 'GET'):
        PARTIES | REPORTING,
    ('/api/v1/projects/<int:project_id>/components/<int:component_id>', 'PATCH'): PARTIES,
    ('/api/v1/projects/<int:project_id>/components/<int:component_id>', 'DELETE'): PARTIES,
    ('/api/v1/projects/<int:project_id>/components/<int:component_id>/photos', 'POST'):
        PARTIES,
    ('/api/v1/reports/eu-2021-19', 'GET'): REPORTING,
    ('/api/v1/reports/records', 'GET'): REPORTING,
    ('/api/v1/reports/reuse', 'GET'): REPORTING,
    ('/api/v1/requests', 'GET'): ALL,
    ('/api/v1/requests', 'POST'): SIGNED_IN,
    ('/api/v1/requests/<int:request_id>', 'GET'): ALL,
    ('/api/v1/requests/<int:request_id>', 'PATCH'): BUYER,
    ('/api/v1/requests/<int:request_id>/close', 'POST'): BUYER,
    ('/api/v1/requests/<int:request_id>/matches', 'GET'): BUYER,
    ('/api/v1/reservations', 'GET'): SIGNED_IN,
    ('/api/v1/reservations', 'POST'): SIGNED_IN,
    ('/api/v1/reservations/<int:reservation_id>', 'GET'): PARTIES,
    ('/api/v1/reservations/<int:reservation_id>/accept', 'POST'): SELLER,
    ('/api/v1/reservations/<int:reservation_id>/cancel', 'POST'): PARTIES,
    ('/api/v1/reservations/<int:reservation_id>/decline', 'POST'): SELLER,
    ('/api/v1/reservations/<int:reservation_id>/handover', 'POST'): PARTIES,
    ('/api/v1/reservations/<int:reservation_id>/messages', 'GET'): PARTIES,
    ('/api/v1/reservations/<int:reservation_id>/messages', 'POST'): PARTIES,
    ('/api/v1/reservations/<int:reservation_id>/messages/<int:message_id>', 'GET'): PARTIES,
    ('/api/v1/reservations/<int:reservation_id>/payment', 'POST'): BUYER,
    ('/api/v1/reservations/<int:reservation_id>/pickup', 'POST'): PARTIES,
    ('/api/v1/search', 'GET'): ALL,
    ('/api/v1/tokens', 'GET'): SIGNED_IN,
    ('/api/v1/tokens', 'POST'): SIGNED_IN,
    ('/api/v1/tokens/<int:token_id>', 'DELETE'): {'owner'},
    ('/emission-factors', 'GET'): ALL,
    ('/favicon.ico', 'GET'): ALL,
    ('/healthz', 'GET'): ALL,
    ('/readyz', 'GET'): ALL,
    ('/inbox', 'GET'): SIGNED_IN,
    ('/inbox/<int:notification_id>/read', 'POST'): BUYER,
    ('/inbox/read-all', 'POST'): SIGNED_IN,
    ('/inbox/settings', 'GET'): SIGNED_IN,
    ('/inbox/settings', 'POST'): SIGNED_IN,
    ('/invitations/<token>', 'GET'): NOBODY,
    ('/invitations/<token>', 'POST'): NOBODY,
    ('/language', 'POST'): ALL,
    ('/listings', 'GET'): ALL,
    ('/listings/<int:listing_id>', 'GET'): ALL,
    ('/listings/<int:listing_id>/edit', 'GET'): SELLER,
    ('/listings/<int:listing_id>/edit', 'POST'): SELLER,
    ('/listings/<int:listing_id>/images', 'POST'): SELLER,
    ('/listings/<int:listing_id>/images/<int:image_id>/delete', 'POST'): SELLER,
    ('/listings/<int:listing_id>/publish', 'POST'): SELLER,
    ('/listings/<int:listing_id>/questions', 'GET'): ORG_MEMBERS,
    ('/listings/<int:listing_id>/questions', 'POST'): ASKERS,
    ('/listings/<int:listing_id>/reserve', 'GET'): SIGNED_IN,
    ('/listings/<int:listing_id>/reserve', 'POST'): SIGNED_IN,
    ('/listings/<int:listing_id>/withdraw', 'POST'): SELLER,
    ('/listings/import', 'GET'): ORG_MEMBERS,
    ('/listings/import', 'POST'): ORG_MEMBERS,
    ('/listings/import/template.<fmt>', 'GET'): ALL,
    # A large import's progress and result: members of the importing organisation.
    ('/listings/import/<int:job_id>', 'GET'): SELLER,
    ('/listings/mine', 'GET'): SIGNED_IN,
    # "Rapporter annonse": anyone logged in, not the listing's own organisation.
    ('/listings/<int:listing_id>/report', 'GET'): SIGNED_IN - SELLER,
    ('/listings/<int:listing_id>/report', 'POST'): SIGNED_IN - SELLER,
    ('/listings/new', 'GET'): ORG_MEMBERS,
    ('/listings/new', 'POST'): ORG_MEMBERS,
    # A photo for a listing form not saved yet (answered with a pending token).
    ('/listings/photos', 'POST'): ORG_MEMBERS,
    ('/login', 'GET'): ALL,
    ('/login', 'POST'): ALL,
    ('/logout', 'POST'): ALL,
    ('/media/<path:path>', 'GET'): ALL,
    ('/ombruk-i-tall', 'GET'): ALL,
    ('/open-data', 'GET'): ALL,
    ('/open-data/', 'GET'): ALL,
    ('/open-data/reuse-<any(eu_category, district):dimension>.<any(csv, json):ext>', 'GET'): ALL,
    ('/open-data/reuse.jsonld', 'GET'): ALL,
    ('/organizations/<int:org_id>', 'GET'): {'member', 'admin', 'owner', 'site_admin'},
    ('/organizations/<int:org_id>', 'POST'): {'admin', 'owner'},
    # Members and invitations: owners and admins (and site admins); member_id is the
    # seller's plain member, who may remove themselves (that is leaving); the last owner
    # leaving gets a 409 (refused, but not denied).
    ('/organizations/<int:org_id>/members/<int:member_id>/role', 'POST'): ORG_ADMINS,
    ('/organizations/<int:org_id>/members/<int:member_id>/remove', 'POST'):
        ORG_ADMINS | {'member'},
    ('/organizations/<int:org_id>/leave', 'POST'): SELLER,
    ('/organizations/<int:org_id>/invitations/<int:invitation_id>/revoke', 'POST'): ORG_ADMINS,
    ('/organizations/<int:org_id>/invitations/<int:invitation_id>/resend', 'POST'): ORG_ADMINS,
    ('/organizations/<int:org_id>/payments', 'GET'): ORG_ADMINS,
    ('/organizations/<int:org_id>/profile', 'GET'): ALL,
    ('/organizations/<int:org_id>/payments/connect', 'POST'): ORG_ADMINS,
    ('/organizations/<int:org_id>/payments/connect/refresh', 'GET'): ORG_ADMINS,
    ('/organizations/<int:org_id>/payments/connect/return', 'GET'): ORG_ADMINS,
    # Building projects (app/projects/pages.py): the list for everyone signed in; creating
    # for members of an organisation (an empty form is 422); a project's page for its
    # owner's and partners' members, the officer of its municipality and site admins;
    # changing for the owner's members, partners for the owner's admins (reopening the
    # active project is 409: refused, not denied).
    ('/prosjekter', 'GET'): SIGNED_IN,
    ('/prosjekter/ny', 'GET'): ORG_MEMBERS,
    ('/prosjekter/ny', 'POST'): ORG_MEMBERS,
    ('/prosjekter/<int:project_id>', 'GET'): PARTIES | REPORTING,
    ('/prosjekter/<int:project_id>/endre', 'GET'): SELLER,
    ('/prosjekter/<int:project_id>/endre', 'POST'): SELLER,
    ('/prosjekter/<int:project_id>/avslutt', 'POST'): SELLER,
    ('/prosjekter/<int:project_id>/gjenapne', 'POST'): SELLER,
    ('/prosjekter/<int:project_id>/deltakere', 'POST'): {'admin', 'owner'},
    ('/prosjekter/<int:project_id>/deltakere/<int:partner_id>/fjern', 'POST'): {'admin', 'owner'},
    ('/prosjekter/<int:project_id>/ombrukskartlegging.pdf', 'GET'): PARTIES | REPORTING,
    ('/prosjekter/<int:project_id>/ombrukskartlegging.xlsx', 'GET'): PARTIES | REPORTING,
    # Mapping components (app/projects/mapping.py): the list for anyone who sees the
    # project; the form, changes and photos for whoever maps (owner's members, partners).
    ('/prosjekter/<int:project_id>/komponenter', 'GET'): PARTIES | REPORTING,
    ('/prosjekter/<int:project_id>/komponenter/ny', 'GET'): PARTIES,
    ('/prosjekter/<int:project_id>/komponenter/ny', 'POST'): PARTIES,
    ('/prosjekter/<int:project_id>/komponenter/<int:component_id>/endre', 'GET'): PARTIES,
    ('/prosjekter/<int:project_id>/komponenter/<int:component_id>/endre', 'POST'): PARTIES,
    ('/prosjekter/<int:project_id>/komponenter/<int:component_id>/slett', 'POST'): PARTIES,
    ('/prosjekter/<int:project_id>/komponenter/<int:component_id>/bilder/<int:photo_id>/slett',
     'POST'): PARTIES,
    # Import from a spreadsheet (app/projects/import_views.py): whoever maps (the owner's
    # members and partners); the blank template for anyone who sees the project.
    ('/prosjekter/<int:project_id>/import', 'GET'): PARTIES,
    ('/prosjekter/<int:project_id>/import', 'POST'): PARTIES,
    ('/prosjekter/<int:project_id>/import/mal.<fmt>', 'GET'): PARTIES | REPORTING,
    # Publishing ahead of demolition (app/projects/publishing.py): the owner's members;
    # the running report for everyone who sees the project.
    ('/prosjekter/<int:project_id>/publiser', 'GET'): SELLER,
    ('/prosjekter/<int:project_id>/publiser', 'POST'): SELLER,
    ('/prosjekter/<int:project_id>/rapport', 'GET'): PARTIES | REPORTING,
    # The municipality's projects (app/projects/municipality.py): as the reporting pages.
    ('/prosjekter/kommune', 'GET'): REPORTING,
    ('/prosjekter/kommune/eksport.<any(csv, xlsx):fmt>', 'GET'): REPORTING,
    ('/password/forgot', 'GET'): ALL,
    ('/password/forgot', 'POST'): ALL,
    ('/password/reset/<token>', 'GET'): NOBODY,
    ('/password/reset/<token>', 'POST'): NOBODY,
    ('/register', 'GET'): ALL,
    ('/register', 'POST'): ALL,
    ('/register/confirm/<token>', 'GET'): NOBODY,
    ('/register/confirm/<token>', 'POST'): NOBODY,
    # A question thread: only its two organisations (404 for everyone else).
    ('/questions', 'GET'): SIGNED_IN,
    ('/questions/<int:thread_id>', 'GET'): PARTIES,
    ('/questions/<int:thread_id>/messages', 'POST'): PARTIES,
    ('/reporting', 'GET'): REPORTING,
    ('/reporting/download', 'GET'): REPORTING,
    ('/reporting/mine', 'GET'): SIGNED_IN,
    ('/reservations', 'GET'): SIGNED_IN,
    ('/reservations/<int:reservation_id>', 'GET'): PARTIES,
    ('/reservations/<int:reservation_id>/accept', 'POST'): SELLER,
    ('/reservations/<int:reservation_id>/cancel', 'POST'): PARTIES,
    ('/reservations/<int:reservation_id>/decline', 'POST'): SELLER,
    ('/reservations/<int:reservation_id>/handover', 'POST'): PARTIES,
    ('/reservations/<int:reservation_id>/messages', 'POST'): PARTIES,
    ('/reservations/<int:reservation_id>/pickup', 'POST'): PARTIES,
    ('/reservations/<int:reservation_id>/pickup.ics', 'GET'): PARTIES,
    ('/search', 'GET'): ALL,
    ('/stripe/connect-webhook', 'POST'): ALL,
    ('/stripe/webhook', 'POST'): ALL,
    ('/wanted', 'GET'): ALL,
    ('/wanted/<int:request_id>', 'GET'): ALL,
    ('/wanted/<int:request_id>/close', 'POST'): BUYER,
    ('/wanted/<int:request_id>/edit', 'GET'): BUYER,
    ('/wanted/<int:request_id>/edit', 'POST'): BUYER,
    ('/wanted/matches/<int:match_id>/dismiss', 'POST'): BUYER,
    ('/wanted/matches/<int:match_id>/interested', 'POST'): BUYER,
    ('/wanted/mine', 'GET'): SIGNED_IN,
    ('/wanted/new', 'GET'): ORG_MEMBERS,
    ('/wanted/new', 'POST'): ORG_MEMBERS,
}


@pytest.mark.slow
def test_every_route_against_every_role(app, make, client):
    world = build(app, make, client)
    # Reads first: the database is rolled back after every call, files on disk are not
    # (deleting a photo removes its files after commit), so /media is checked early.
    calls = sorted(((rule, method) for rule in app.url_map.iter_rules()
                    for method in rule.methods - {"HEAD", "OPTIONS"}
                    if rule.endpoint != "static"),
                   key=lambda c: (c[1] != "GET", c[0].rule, c[1]))
    undocumented = {(rule.rule, method) for rule, method in calls} - set(EXPECTED)
    assert not undocumented, f"routes without an authorisation policy: {sorted(undocumented)}"
    wrong = []
    for rule, method in calls:
        path = fill(rule.rule, world)
        allowed = set()
        for role in ROLES:
            # Each call starts from the same world: its changes are rolled back.
            savepoint = db.session.connection().begin_nested()
            try:
                status = _call(app, world, role, method, path)
            finally:
                savepoint.rollback()
                db.session.expire_all()
            assert status == "L" or status < 500, (method, rule.rule, role, status)
            if status not in DENIED:
                allowed.add(role)
        if allowed != EXPECTED[(rule.rule, method)]:
            wrong.append((method, rule.rule, sorted(allowed),
                          sorted(EXPECTED[(rule.rule, method)])))
    assert wrong == []


DENIED = {401, 403, 404, "L"}
#: Valid bodies where an empty one would fail validation before permission is decided.
BODIES = {"reverse": {"reason": "Feil vekt registrert"},
          "questions": {"body": "Et spørsmål fra matrisen"}}


def _call(app, world, role, method, path):
    c = app.test_client()
    headers = {}
    if path.startswith("/api/"):
        if role != "anonymous":
            headers = bearer(world.tokens[role])
        kwargs = {"json": BODIES.get(path.split("/")[-1], {})} \
            if method in ("POST", "PATCH") else {}
        response = c.open(path, method=method, headers=headers, **kwargs)
    else:
        data = {}
        if role != "anonymous":
            html = c.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
            signed = c.post("/login", data={"email": f"{role}@matrix.no",
                                            "password": "correct horse battery",
                                            "csrf_token": token})
            complete_two_factor(c, signed, f"{role}@matrix.no")  # site admins: the code
        if method == "POST":
            # anonymous public pages carry no token (they are cached): take the form's
            html = c.get("/login" if role == "anonymous" else "/").get_data(as_text=True)
            data["csrf_token"] = re.search(r'name="csrf-token" content="([^"]+)"',
                                           html).group(1)
            response = c.post(path, data=data)
        else:
            response = c.open(path, method=method)
    status = response.status_code
    response.close()
    if status in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return "L"
    return status
