"""The ``@liquid`` engine follows LiquidJS 10.25.7: tags, expressions, filters, dates and errors.

Every expected value here was produced by the reference (LiquidJS as configured by
``@segment/actions-core`` 3.170.0, ``TZ=UTC``).
"""

from __future__ import annotations

import pytest
from actions._errors import MappingError
from actions.mapping import transform_batch

from .helpers import render


def failure(template: str) -> tuple[str, str]:
    with pytest.raises(MappingError) as caught:
        render(template)
    assert len(caught.value.messages) == 1
    return caught.value.kind, caught.value.messages[0]


# --- tags ------------------------------------------------------------------------------------


def test_break_and_continue_outside_a_loop_stop_the_rest_of_the_template() -> None:
    assert render("a{% break %}b") == "a"
    assert render("{% if true %}x{% continue %}y{% endif %}z") == "x"


def test_a_block_renders_its_body_with_a_block_variable() -> None:
    assert render("{% block b %}in {{ block }}{% endblock %}") == "in [object Object]"


def test_echo_liquid_and_inline_comment_tags() -> None:
    assert render("{% echo properties.name | upcase %}") == "ADA LOVELACE"
    assert render("{% liquid\nassign y = 3\necho y | times: 2 %}") == "6"
    assert render("a{% # note %}b") == "ab"


def test_cycles_with_the_same_number_of_values_share_one_counter() -> None:
    assert render("{% cycle 'a', 'b' %}{% cycle 'c', 'd' %}{% cycle 'e', 'f' %}") == "ade"


def test_increment_counts_from_a_numeric_payload_value_or_zero() -> None:
    assert render("{% increment properties %}{% increment count %}{% increment count %}{{ count }}") == "0012"
    assert render("{% decrement n %}{{ n }}", {"n": 0}) == "-1-1"


def test_increment_does_not_modify_the_callers_event() -> None:
    payload = {"n": 5}
    assert render("{% increment n %}{{ n }}", payload) == "56"
    assert payload == {"n": 5}


def test_increment_on_a_string_scope_fails_like_javascript() -> None:
    with pytest.raises(MappingError) as caught:
        transform_batch({"o": {"@liquid": "{% increment length %}"}}, ["abc"])
    assert caught.value.messages == [
        "Cannot assign to read only property 'length' of object '[object String]', line:1, col:1"
    ]


# --- expressions -----------------------------------------------------------------------------


def test_comparisons_coerce_like_javascript() -> None:
    template = (
        "{% if '10' > 9 %}T{% endif %}{% if 'b' > 'a' %}T{% endif %}"
        "{% if properties.list > 1 %}T{% else %}F{% endif %}"
    )
    assert render(template) == "TTF"


def test_contains_works_on_strings_and_arrays_but_not_objects() -> None:
    template = (
        "{% if properties.nested contains 'k' %}T{% else %}F{% endif %}"
        "{% if properties.name contains 'Love' %}T{% endif %}"
        "{% if properties.list contains 'b' %}T{% endif %}"
    )
    assert render(template) == "FTT"


def test_not_and_liquid_truthiness() -> None:
    assert render("{% if not properties.nil %}T{% endif %}{% if not 0 %}T{% else %}F{% endif %}") == "TF"


def test_equality_is_strict_and_and_or_group_from_the_right() -> None:
    assert render("{% if 1 == 1.0 and '1' != 1 %}T{% endif %}") == "T"
    assert render("{% if true or false and false %}T{% else %}F{% endif %}") == "T"


def test_strings_of_non_ascii_digits_are_not_numbers() -> None:
    # Number() reads ASCII digits only: Number("١٢") is NaN, which LiquidJS's toNumber turns into 0.
    assert render("{{ '١٢' | plus: 1 }}") == "1"
    assert render("{% if '١٢' > 5 %}T{% else %}F{% endif %}") == "F"


def test_an_output_with_several_values_prints_the_first() -> None:
    assert render("{{ 'a' 'b' }}{{ properties.n properties.price }}") == "a3"


def test_number_literals_print_as_javascript_numbers() -> None:
    assert render("{{ 1.0 }} {{ 1e3 }} {{ -0 }} {{ 007 }}") == "1  0 7"


def test_lookups_read_own_properties_with_first_last_and_size() -> None:
    assert render("{{ properties.list[-1] }}{{ properties.list.first }}{{ properties.name.first }}") == "1a"
    assert render("{{ properties.nested.size }}{{ properties.nested.nil }}") == "2not a keyword here"
    assert render("{{ (1..3) | join: '-' }}{{ (3..1) | size }}") == "1-2-30"


def test_astral_characters_are_two_code_units() -> None:
    assert render("{{ 'é🎉' | size }}{{ '🎉' | slice: 0 }}x") == "3\ud83cx"
    assert render("{{ 🎉 | upcase }}", {"🎉": "party"}) == "PARTY"


# --- filters ---------------------------------------------------------------------------------


def test_filters_ignore_extra_arguments_and_missing_ones_are_undefined() -> None:
    assert render("{{ 'a' | upcase: 1, 2 }}|{{ 5 | plus }}|{{ 5 | at_least }}|{{ 5 | at_least: 7, 9 }}") == (
        "A|NaN|5|9"
    )


def test_unknown_filters_pass_the_value_through() -> None:
    assert render("{{ 'x' | no_such_filter: 1 }}") == "x"


def test_truncate_returns_the_input_itself_when_it_is_short_enough() -> None:
    assert render("{{ 'abc' | truncate: 5 | size }}{{ properties.list | truncate: 20 | size }}") == "33"


def test_json_indents_like_v8() -> None:
    assert render("{{ properties.nested | json: 2 }}") == '{\n  "k": "v",\n  "nil": "not a keyword here"\n}'
    assert render("{{ properties.list | json: 0.5 }}") == '[\n"a",\n"b",\n1\n]'
    assert render("{{ nil | json }}") == "{}"
    assert render("{{ o | json }}", {"o": {"b": 1, "2": 2, "1": 1}}) == '{"1":1,"2":2,"b":1}'


def test_default_reads_allow_false_from_a_keyword_argument() -> None:
    assert render("{{ false | default: 'd', allow_false: true }}|{{ false | default: 'd' }}") == "false|d"
    assert failure("{{ false | default: 'd', 'y' }}") == (
        "RenderError",
        "Iterator value y is not an entry object, line:1, col:1",
    )


def test_url_decode_turns_plus_into_space_after_decoding() -> None:
    assert render("{{ 'a+b%2B' | url_decode }}") == "a b "


def test_base64_decode_skips_foreign_characters_and_stops_at_padding() -> None:
    assert render("{{ 'YWJj!ZGVm' | base64_decode }}|{{ 'YQ==YQ==' | base64_decode }}") == "abcdef|a"


def test_slugify_modes() -> None:
    template = "{{ s | slugify }}|{{ s | slugify: 'ascii' }}|{{ s | slugify: 'latin' }}"
    assert render(template, {"s": "Grüße, Welt!"}) == "grüße-welt|gr-e-welt|grusse-welt"


# --- dates -----------------------------------------------------------------------------------


def test_dates_parse_like_v8() -> None:
    template = (
        "{{ 'March 7 2021' | date: '%F %Y-%m-%d' }}|{{ '1/2' | date: '%Y-%m-%d' }}|"
        "{{ '2024-02-30' | date: '%Y-%m-%d' }}"
    )
    assert render(template) == "%F 2021-03-07|2001-01-02|2024-03-01"
    assert render("{{ 'Tue, 5 Mar 2024 10:20:30 +0100' | date: '%H:%M %z' }}") == "09:20 +0000"


def test_the_date_filter_reads_strings_with_v8s_date_parser() -> None:
    # Corner cases where Liquid's own port of the parser used to differ from V8: a NUL ends the
    # input, U+2028 is part of a word, zone offsets are unsigned 32-bit (actions.js.date_parse).
    template = "{{ s | date: '%Y-%m-%d' }}"
    assert render(template, {"s": "2021-08-17\0x"}) == "2021-08-17"
    assert render(template, {"s": "Aug 17 2021\u2028"}) == "Aug 17 2021\u2028"  # not a date: printed as is
    assert render(template, {"s": "Aug 17 2021 10:00 +300000:00"}) == "1987-05-28"


def test_date_accepts_a_time_zone_name_or_minutes_behind_utc() -> None:
    assert render("{{ properties.when | date: '%H:%M %z %Z', 'Asia/Tokyo' }}") == "19:20 +0900 Asia/Tokyo"
    assert render("{{ properties.when | date: '%H:%M %z', 360 }}") == "04:20 -0600"
    assert failure("{{ properties.when | date: '%Y', 'Nowhere/Land' }}") == (
        "RenderError",
        "Invalid time zone specified: Nowhere/Land, line:1, col:1",
    )


def test_strftime_conversions_flags_and_widths() -> None:
    template = "{{ properties.when | date: '%^a %-d %e %j %U %W %u %w %C %y %L %N %3N %s %q %P %%' }}"
    assert render(template) == "TUE 5  5 065 09 09 2 2 20 24 000 000000000 000 1709634030 th am %"
    assert render("{{ properties.when | date }}") == "Tuesday, March 5, 2024 at 10:20 am +0000"
    assert render("{{ 1705320000 | date: '%c' }}") == "1/15/2024, 12:00:00 PM"


def test_date_to_string_variants() -> None:
    template = (
        "{{ properties.when | date_to_string: 'ordinal', 'US' }}|{{ properties.when | date_to_long_string }}"
    )
    assert render(template) == "Mar 5th, 2024|05 March 2024"


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "kind", "message"),
    [
        ("{{ 'a' | | upcase }}", "TokenizationError", "expected filter name, line:1, col:10"),
        ("{{ 'a' ) }}", "TokenizationError", 'expected "|" before filter, line:1, col:9'),
        ("{% if x %}{% else %}{% else %}{% endif %}", "ParseError", "duplicated else, line:1, col:1"),
        ("{% else %}", "ParseError", 'tag "else" not found, line:1, col:1'),
        ("{% assign = 1 %}", "TokenizationError", "expected variable name, line:1, col:11"),
        ("{% cycle %}", "TokenizationError", 'empty candidates: "{% cycle %}", line:1, col:9'),
        ("x\n  {{ 'a' | append }}", "RenderError", "append expect 2 arguments, line:2, col:3"),
        ("{% raw %}a", "TokenizationError", 'raw "{% raw %}a" not closed, line:1, col:10'),
        ("ab\n{% capture %}{% endcapture %}", "TokenizationError", "invalid capture name, line:2, col:11"),
        (
            "{% if true %}{% endunless %}{% endif %}",
            "ParseError",
            'tag "endunless" not found, line:1, col:14',
        ),
        (
            "{% #a\n b %}",
            "ParseError",
            "every line of an inline comment must start with a '#' character, line:1, col:1",
        ),
        ("{{ (1 }}", "TokenizationError", "invalid range syntax, line:1, col:7"),
        (
            "{% if x %}{% elsif y %}{% else %}{% elsif z %}{% endif %}",
            "ParseError",
            "unexpected elsif after else, line:1, col:1",
        ),
        ("{% if x %}a{% else junk %}b{% endif %}", "ParseError", 'unexpected "junk", line:1, col:1'),
        ("{{ a | where: 'a[' }}", "TokenizationError", "[ not closed, line:1, col:3"),
        ("{%- -%}", "TokenizationError", "illegal tag syntax, tag name expected, line:1, col:5"),
    ],
)
def test_errors_carry_the_reference_class_message_and_position(
    template: str, kind: str, message: str
) -> None:
    assert failure(template) == (kind, message)
