"""``@liquid`` behaves like the reference's LiquidJS setup: output, filters, limits and errors."""

from __future__ import annotations

import pytest
from actions._errors import MappingError
from actions.mapping import transform
from actions.mapping.liquid._engine import DISABLED_TAGS
from actions.mapping.liquid._filters import DISABLED_FILTERS

from .helpers import render


def failure(template: str) -> tuple[str, list[str]]:
    with pytest.raises(MappingError) as caught:
        render(template)
    return caught.value.kind, caught.value.messages


@pytest.mark.parametrize("tag", DISABLED_TAGS)
def test_disabled_tags_fail_to_parse_at_their_position(tag: str) -> None:
    assert failure(f"ab\n  {{% {tag} x %}}") == ("ParseError", [f'tag "{tag}" is disabled, line:2, col:3'])


@pytest.mark.parametrize("name", DISABLED_FILTERS)
def test_disabled_filters_fail_at_the_enclosing_output(name: str) -> None:
    assert failure(f"x {{{{ properties.list | {name} }}}}") == (
        "RenderError",
        [f'filter "{name}" is disabled, line:1, col:3'],
    )


def test_a_disabled_filter_inside_a_tag_reports_the_tag_position() -> None:
    assert failure("{% assign s = properties.list | sort %}") == (
        "RenderError",
        ['filter "sort" is disabled, line:1, col:1'],
    )


def test_values_print_the_javascript_way() -> None:
    template = (
        "{{ properties.price | times: 2 }}|{{ properties.list }}|{{ properties.nested }}|"
        "{{ true }}|[{{ nope }}]"
    )
    assert render(template) == "19|ab1|[object Object]|true|[]"


def test_division_is_not_integer_division() -> None:
    assert (
        render("{{ 7 | divided_by: 2 }} {{ 7 | divided_by: 2.0 }} {{ 1 | divided_by: 0 }}")
        == "3.5 3.5 Infinity"
    )


def test_round_rounds_halves_away_from_zero() -> None:
    assert (
        render("{{ 2.5 | round }} {{ -2.5 | round }} {{ 2.567 | round: 2 }} {{ -0.4 | round }}")
        == "3 -3 2.57 0"
    )


def test_non_numeric_strings_count_as_zero_in_math() -> None:
    assert render("{{ 'abc' | plus: 2 }} {{ ' 4 ' | times: 2 }}") == "2 8"


def test_url_encode_matches_encode_uri_component_with_plus_for_spaces() -> None:
    assert render('{{ "a b!\'()*~é/" | url_encode }}') == "a+b!'()*~%C3%A9%2F"


def test_malformed_url_decoding_is_a_render_error() -> None:
    assert failure("{{ '%E0%A4%A' | url_decode }}") == ("RenderError", ["URI malformed, line:1, col:1"])


def test_default_replaces_only_nil_false_and_empty() -> None:
    assert render(
        "{{ nope | default: 'd' }}|{{ '' | default: 'd' }}|{{ 0 | default: 'd' }}|{{ false | default: 'd' }}"
    ) == ("d|d|0|d")


def test_string_filters() -> None:
    template = (
        "{{ properties.name | split: ' ' | join: '-' | upcase }} {{ properties.name | size }} "
        "{{ 'a,b,,' | split: ',' | size }}"
    )
    assert render(template) == "ADA-LOVELACE 12 2"


def test_truncate_counts_the_ellipsis() -> None:
    assert render("{{ properties.name | truncate: 8 }}|{{ 'short' | truncate: 8 }}") == "Ada L...|short"


def test_escape_uses_numeric_quote_entities() -> None:
    assert render('{{ \'<a href="x">it\' | append: "\'s" | escape }}') == "&lt;a href=&#34;x&#34;&gt;it&#39;s"


def test_property_names_that_are_liquid_keywords_still_resolve() -> None:
    assert render("{{ properties.nested.nil }}") == "not a keyword here"


def test_lookups_follow_javascript_properties() -> None:
    template = (
        "{{ properties.list.size }} {{ properties.list[-1] }} "
        "{{ properties.name[0] }} {{ properties.name.size }}"
    )
    assert render(template) == "3 1 A 12"


def test_an_empty_filter_is_ignored_only_at_the_end() -> None:
    assert render("{{ properties.n | }}") == "3"
    assert failure("{{ properties.n | | plus: 1 }}") == (
        "TokenizationError",
        ["expected filter name, line:1, col:19"],
    )


def test_control_flow_and_variables() -> None:
    template = (
        "{% assign total = properties.price | times: properties.n %}"
        "{% capture label %}{{ properties.name | downcase }}{% endcapture %}"
        "{% if total > 20 and properties.list contains 'b' %}{{ label }}={{ total }}{% else %}no{% endif %}"
    )
    assert render(template) == "ada lovelace=28.5"


def test_date_formats_with_liquidjs_strftime() -> None:
    template = "{{ properties.when | date: '%a %-d %b %Y %H:%M:%S %j %e|%-m|%I%P|%z' }}"
    assert render(template) == "Tue 5 Mar 2024 10:20:30 065  5|3|10am|+0000"


def test_date_of_now_uses_the_injected_clock() -> None:
    now = "2030-05-05T05:05:05.555Z"
    assert render("{{ 'now' | date: '%Y-%m-%dT%H:%M:%S.%L' }}", now=now) == "2030-05-05T05:05:05.555"


def test_date_of_an_invalid_value_returns_it_unchanged() -> None:
    assert render("{{ 'someday' | date: '%Y' }}") == "someday"


def test_templates_longer_than_1000_characters_are_rejected() -> None:
    with pytest.raises(MappingError) as caught:
        render("x" * 1001)
    assert caught.value.messages == ["liquid template values are limited to 1000 characters"]
    assert render("x" * 1000) == "x" * 1000


def test_liquid_in_a_raw_array_must_be_a_string() -> None:
    with pytest.raises(MappingError) as caught:
        transform({"v": [{"@liquid": 5}]})
    assert caught.value.messages == ["liquid template value must be a string"]


@pytest.mark.parametrize(
    ("template", "kind", "message"),
    [
        ("ab {{ x", "TokenizationError", 'output "{{ x" not closed, line:1, col:4'),
        ("{% if x", "TokenizationError", 'tag "{% if x" not closed, line:1, col:1'),
        ("a {% if x %}b", "ParseError", "tag {% if x %} not closed, line:1, col:3"),
        ("{% bogus %}", "ParseError", 'tag "bogus" not found, line:1, col:1'),
    ],
)
def test_syntax_errors_use_the_reference_messages(template: str, kind: str, message: str) -> None:
    assert failure(template) == (kind, [message])


def test_a_broken_template_fails_only_when_it_is_resolved() -> None:
    mapping = {"v": {"@if": {"exists": {"@path": "$.go"}, "then": {"@liquid": "{% for %}"}}}}
    assert transform(mapping, {}) == {}
