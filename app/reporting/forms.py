"""The period selector (a GET form: no CSRF token, bookmarkable)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from app.errors import ValidationFailed
from app.reporting import labels, periods
from app.reporting.periods import Period

KINDS = (SelectChoice("year", _l("År")), SelectChoice("quarter", _l("Kvartal")),
         SelectChoice("month", _l("Måned")), SelectChoice("custom", _l("Egendefinert periode")))
KIND_VALUES = ("year", "quarter", "month", "custom")


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    period = SelectField(_l("Periode"), choices=KINDS, default="year")
    year = StringField(_l("År"), render_kw={"inputmode": "numeric", "autocomplete": "off"})
    quarter = SelectField(_l("Kvartal"), choices=[SelectChoice(str(q), _l("%(n)s. kvartal", n=q))
                                                  for q in (1, 2, 3, 4)], default="1")
    month = SelectField(_l("Måned"), choices=[SelectChoice(str(m), labels.MONTHS[m - 1])
                                              for m in range(1, 13)], default="1")
    start = StringField(_l("Fra og med"), name="from", render_kw={"type": "date"},
                        description=_l("ÅÅÅÅ-MM-DD"))
    end = StringField(_l("Til og med"), name="to", render_kw={"type": "date"},
                      description=_l("ÅÅÅÅ-MM-DD"))

    def resolve(self) -> Period | None:
        """The chosen period, or None with errors on the fields."""
        kind = self.period.data
        if kind not in KIND_VALUES:
            self.period.errors = [_l("Velg en av periodene i listen.")]
            return None
        try:
            if kind == "custom":
                default = periods.year_to_date()
                return periods.parse(self.start.data, self.end.data, default)
            year = periods.parse_year(self.year.data)
            if kind == "year":
                return periods.year_period(year)
            if kind == "quarter":
                return periods.quarter_period(year, _pick(self.quarter.data, 4))
            return periods.month_period(year, _pick(self.month.data, 12))
        except ValidationFailed as exc:
            fields = {"from": self.start, "to": self.end, "year": self.year}
            for name, messages in exc.errors.items():
                fields[name].errors = list(messages)
            return None

    def fill(self, period: Period) -> None:
        """Show the resolved dates in the custom fields and this year by default."""
        self.year.data = self.year.data or str(period.start.year)
        self.start.data = self.start.data or period.start.isoformat()
        self.end.data = self.end.data or period.end.isoformat()


def _pick(raw: str | None, top: int) -> int:
    try:
        value = int(raw or 1)
    except ValueError:
        value = 1
    return min(max(value, 1), top)

