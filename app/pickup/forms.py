"""The listing form's pickup windows: rows of "days, date, from, to" inputs named
``pickup_windows-<i>-days`` and so on (no script needed). The field's ``data`` is the
API shape (a list of dicts), so the listing rules check form and API alike."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field

from app.pickup.windows import MAX_WINDOWS, WEEKDAY_NAMES, weekday_text

DATED = "date"
PARTS = ("days", "date", "start", "end")


def day_choices(current: list[str] | None = None) -> list[tuple[str, str]]:
    """The "Dager" select: common sets, single days, a dated slot; plus any set a row
    already has (say from the API) so saving the form keeps it."""
    choices = [("", str(_l("Velg"))), ("1,2,3,4,5", str(_l("mandag–fredag"))),
               ("1,2,3,4,5,6,7", str(_l("alle dager"))), ("6,7", str(_l("lørdag–søndag")))]
    choices += [(str(n), str(name).capitalize()) for n, name in WEEKDAY_NAMES.items()]
    choices.append((DATED, str(_l("Bestemt dato"))))
    known = {value for value, _label in choices}
    for value in current or ():
        if value and value not in known:
            try:
                label = weekday_text([int(d) for d in value.split(",")])
            except (KeyError, ValueError):
                continue
            choices.insert(-1, (value, label))
            known.add(value)
    return choices


def _row_json(row: dict[str, str]) -> dict[str, Any] | None:
    """One row as the API shape (None when empty); what is wrong is left to the rules."""
    if not any(row.values()):
        return None
    shape: dict[str, Any] = {"start": row["start"], "end": row["end"]}
    if row["days"] in ("", DATED):
        shape["date"] = row["date"] or None
        if not row["date"] and not row["days"]:
            shape["weekdays"] = None  # neither chosen: "velg enten ukedager eller en dato"
            shape.pop("date")
        return shape
    try:
        shape["weekdays"] = [int(d) for d in row["days"].split(",")]
    except ValueError:
        shape["weekdays"] = row["days"]
    if row["date"]:
        shape["date"] = row["date"]  # both: the rules say choose one
    return shape


def _row_from_json(item: dict[str, Any]) -> dict[str, str]:
    if item.get("weekdays"):
        return {"days": ",".join(str(d) for d in item["weekdays"]), "date": "",
                "start": item["start"], "end": item["end"]}
    return {"days": DATED, "date": item.get("date") or "", "start": item["start"],
            "end": item["end"]}


class PickupWindowsField(Field):
    """Rows of inputs; ``data`` is None when the request had none of them (the form was
    sent without the fieldset: nothing changes)."""

    def process(self, formdata, data=None, extra_filters=None):  # noqa: ARG002
        self.process_errors = []
        self.rows: list[dict[str, str]] = []
        prefix = f"{self.name}-"
        if formdata is not None and any(key.startswith(prefix) for key in formdata):
            for index in range(MAX_WINDOWS):
                names = [f"{prefix}{index}-{part}" for part in PARTS]
                if not any(name in formdata for name in names):
                    continue
                self.rows.append({part: (formdata.get(name) or "").strip()
                                  for part, name in zip(PARTS, names, strict=True)})
            items = [_row_json(row) for row in self.rows]
            self.data = [item for item in items if item is not None]
            # What was typed comes back in the same order, empty rows last.
            self.rows = [row for row in self.rows if any(row.values())]
        else:
            self.data = None if formdata is not None else list(data or [])
            self.rows = [_row_from_json(item) for item in (data or [])]

    def display_rows(self) -> list[dict[str, str]]:
        """The rows to show: those given and two empty ones (at least three in all)."""
        empty = {part: "" for part in PARTS}
        count = min(MAX_WINDOWS, max(3, len(self.rows) + 2))
        return (self.rows + [dict(empty) for _ in range(count)])[:count]

    def choices(self) -> list[tuple[str, str]]:
        return day_choices([row["days"] for row in self.rows])
