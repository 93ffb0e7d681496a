"""Password rules, the same everywhere a password is chosen (registration, reset,
invitation, Min konto > Passord), with no network.

* at least ``MIN_PASSWORD`` characters, at most ``MAX_PASSWORD``;
* not the person's e-mail address or name, nor built on them;
* not one of the most common passwords: the 30 000 most common passwords in the
  ``zxcvbn`` package's frequency list (MIT licence, Dropbox), plus a few Norwegian ones,
  also when only digits or symbols are added before or after (``passord2024!``).

``problems()`` gives every broken rule as a short message; the page's script
(static/accounts/password.js) shows the same rules while the person types.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import gettext as _

MIN_PASSWORD = 10
MAX_PASSWORD = 256

#: Common Norwegian passwords and words that zxcvbn's English-language list lacks.
NORWEGIAN = (
    "passord", "hemmelig", "sommer", "vinter", "hosten", "varen", "norge", "oslo",
    "bergen", "trondheim", "stavanger", "asker", "kretslop", "kretsløp", "ombruk",
    "velkommen", "fotball", "rosenborg", "brann", "qwertyuiopå", "kommune", "mamma",
    "pappa", "kjæreste", "elskerdeg", "jegelskerdeg", "sjokolade", "blåbær", "hallo",
)

_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(NORWEGIAN)


def script_list() -> list[str]:
    """What the page's script needs to answer as the server does: every common password
    of four or more characters (shorter ones fail the length rule and cannot be the core
    of a longer one), sorted. Fetched once when the field is first used."""
    return sorted(p for p in common_passwords() if len(p) >= 4)


def is_common(password: str) -> bool:
    lowered = (password or "").lower()
    if lowered in common_passwords():
        return True
    core = _EDGES.sub("", lowered)  # "passord2024!" -> "passord"
    return len(core) >= 4 and core in common_passwords()


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", (text or "").lower())


def is_personal(password: str, email: str | None = None, name: str | None = None) -> bool:
    """The password is, or is built on, the e-mail address or the name."""
    squashed = _squash(password)
    if not squashed:
        return False
    pieces = []
    if email:
        local = email.split("@")[0]
        pieces += [_squash(email), _squash(local)]
    if name:
        pieces += [_squash(name)] + [_squash(part) for part in name.split()]
    return any(len(piece) >= 4 and piece in squashed for piece in pieces)


def messages() -> dict:
    """The rules' messages (shared with the page's script, so both say the same)."""
    return {
        "short": _("Passordet må ha minst %(n)s tegn.", n=MIN_PASSWORD),
        "long": _("Passordet kan ikke være lengre enn %(n)s tegn.", n=MAX_PASSWORD),
        "personal": _("Passordet kan ikke inneholde e-postadressen eller navnet ditt."),
        "common": _("Passordet er blant de mest brukte passordene. Velg et annet."),
        "min": MIN_PASSWORD, "max": MAX_PASSWORD, "rules": rules(),
    }


def problems(password: str, email: str | None = None, name: str | None = None) -> list[str]:
    password = password or ""
    text = messages()
    found = []
    if len(password) < MIN_PASSWORD:
        found.append(text["short"])
    if len(password) > MAX_PASSWORD:
        found.append(text["long"])
    if is_personal(password, email, name):
        found.append(text["personal"])
    if password and is_common(password):
        found.append(text["common"])
    return found


def rules() -> list[str]:
    """The rules as shown next to a password field."""
    return [
        _("Minst %(n)s tegn. Flere ord etter hverandre er lett å huske og vanskelig å "
          "gjette.", n=MIN_PASSWORD),
        _("Ikke e-postadressen eller navnet ditt."),
        _("Ikke et av de mest brukte passordene."),
    ]
