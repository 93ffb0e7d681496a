"""The record of processing: site admins only; the retention ages are the configured ones."""

from __future__ import annotations

import csv
import io


def test_site_admins_see_the_record_with_the_configured_ages(app, make, auth, client):
    app.config["RETENTION_MESSAGE_DAYS"] = 555
    app.config["RETENTION_INACTIVE_ACCOUNT_DAYS"] = 999
    make.user(None, email="admin@kretslop.test", site_admin=True)
    auth.login("admin@kretslop.test")
    html = client.get("/admin/processing").get_data(as_text=True)
    assert "Behandlingsprotokoll" in html
    assert "555 dager" in html and "999 dager" in html
    for recipient in ("Stripe", "Enhetsregisteret", "E-postleverandøren"):
        assert recipient in html
    response = client.get("/admin/processing.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Behandling" and len(rows) > 5
    assert any("555" in cell for row in rows for cell in row)
    assert "/admin/processing" in client.get("/admin").get_data(as_text=True)


def test_the_record_does_not_exist_for_others(app, make, auth, client):
    assert client.get("/admin/processing").status_code == 302  # to the login page
    org = make.org()
    make.user(org, "owner", email="eier@eksempel.no")
    auth.login("eier@eksempel.no")
    assert client.get("/admin/processing").status_code == 404
    assert client.get("/admin/processing.csv").status_code == 404
