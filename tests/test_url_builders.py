"""The test process shares Werkzeug's compiled URL builders between apps
(tests/conftest.py, ``_share_url_builders``): every route must build the same URLs as
with the builders Werkzeug compiles for it, and an app's routes must stay its own."""

from __future__ import annotations

import uuid

from werkzeug.routing.converters import AnyConverter, IntegerConverter, UUIDConverter
from werkzeug.routing.rules import Rule

from app import create_app


def _sample(converter) -> object:
    if isinstance(converter, IntegerConverter):
        return 7
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[-1]
    if isinstance(converter, UUIDConverter):
        return uuid.UUID("12345678-1234-5678-1234-567812345678")
    return "a b/æ"  # quoted differently by the default and the path converters


def test_every_route_builds_the_same_urls_as_werkzeugs_own_builders(app):
    werkzeug_compile = Rule._compile_builder.werkzeug_compile_builder
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 100
    for rule in rules:
        values = {name: _sample(rule._converters[name]) for name in rule.arguments
                  if name in rule._converters and name not in (rule.defaults or {})}
        for append_unknown in (False, True):
            extra = {"q": "stol og bord", "page": 2} if append_unknown else {}
            own = werkzeug_compile(rule, append_unknown).__get__(rule, None)
            shared = rule._compile_builder(append_unknown).__get__(rule, None)
            assert shared(**values, **extra) == own(**values, **extra), rule.rule


def test_two_apps_keep_their_own_rules_and_converters(app_config, tmp_path):
    first = create_app(app_config)
    second = create_app({**app_config, "INSTANCE_DIR": str(tmp_path / "other")})
    first_rule = next(r for r in first.url_map.iter_rules() if r.endpoint == "static")
    second_rule = next(r for r in second.url_map.iter_rules() if r.endpoint == "static")
    assert first_rule is not second_rule
    assert first_rule._build.__self__ is first_rule
    assert second_rule._build.__self__ is second_rule
    with first.test_request_context(), second.test_request_context():
        assert first.url_for("static", filename="x.css") == second.url_for(
            "static", filename="x.css") == "/static/x.css"
