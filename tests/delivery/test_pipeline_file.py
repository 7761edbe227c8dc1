"""Pipeline files (``load_pipeline``): what a valid file becomes, and one clear line for every mistake.

Every error is a :class:`ConfigurationError` whose message is one line naming the file, the table
and the key (with a suggestion for a typo), and never a secret: the settings below carry secrets
from the file, from ``{ env = "NAME" }`` and from ``ACTIONS_<NAME>_<KEY>`` variables, and no
message may show any of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import actions_amplitude
import actions_webhook
import pytest
from actions import ConfigurationError
from actions.delivery import (
    BatchOptions,
    Limits,
    NdjsonSource,
    Pipeline,
    RetryPolicy,
    RunOptions,
    SourceConfig,
    builtin,
    load_pipeline,
)
from actions.runtime import Registry

FILE_SECRET = "file-secret-1a2b3c"
ENV_SECRET = "env-secret-4d5e6f"
OVERRIDE_SECRET = "override-secret-7a8b9c"
SECRETS = (FILE_SECRET, ENV_SECRET, OVERRIDE_SECRET)

#: The environment every load sees (unless a test says otherwise): secrets the file asks for.
ENVIRON = {
    "AMP_KEY": ENV_SECRET,
    "AMP_SECRET": ENV_SECRET + "-2",
    "ACTIONS_HOOK_SHAREDSECRET": OVERRIDE_SECRET,
}

FULL = """
[run]
buffer = 100
shutdown_timeout = 5
workers = 2
dead_letter = "dead.ndjson"

[sources.web]
type = "ndjson"
path = "events.ndjson"
checkpoint = "events.checkpoint.json"
destinations = ["hook"]

[destinations.amp]
type = "amplitude"
settings = { endpoint = "europe", apiKey = { env = "AMP_KEY" }, secretKey = { env = "AMP_SECRET" } }
enrich = ["amplitude-sessions"]
enrich_options = { amplitude-sessions = { timeout_minutes = 30 } }
state = "sessions.db"
delivery = { concurrency = 4, max_attempts = 5, max_retry_time = 300, linger = 1.0, base_url = "BASE" }

[destinations.hook]
type = "webhook"
settings = { url = "http://127.0.0.1:9/in", sharedSecret = "FILE_SECRET" }
subscriptions = [
  { name = "tracks", subscribe = 'type = "track"', action = "send" },
]

[destinations.hook.delivery]
rate_limit = 20
timeout = 5
batching = false
max_attempts = 3
initial_delay_s = 1.0
""".replace("FILE_SECRET", FILE_SECRET).replace("BASE", "http://127.0.0.1:9")

#: A destination whose settings hold a secret, for the error cases to sit beside.
HOOK = f"""
[destinations.hook]
type = "webhook"
settings = {{ url = "http://127.0.0.1:9/in", sharedSecret = "{FILE_SECRET}" }}
"""

#: A destination whose secrets come from the environment.
AMP = """
[destinations.amp]
type = "amplitude"
settings = { endpoint = "europe", apiKey = { env = "AMP_KEY" }, secretKey = { env = "AMP_SECRET" } }
"""


@pytest.fixture
def registry() -> Registry:
    """Exactly the built-in sources, webhook and amplitude (its enricher included): no entry points."""
    return Registry([builtin, actions_webhook, actions_amplitude], entry_points=False)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # relative paths (state files) land here
    return tmp_path


def write(work: Path, text: str, name: str = "pipeline.toml") -> Path:
    path = work / name
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path, registry: Registry, environ: Mapping[str, str] | None = None) -> Pipeline:
    return load_pipeline(path, registry, ENVIRON if environ is None else environ)


def error_of(path: Path, registry: Registry, environ: Mapping[str, str] | None = None) -> str:
    """The message of the ConfigurationError loading ``path`` raises; checked to be one line, no secret."""
    with pytest.raises(ConfigurationError) as caught:
        load(path, registry, environ)
    message = str(caught.value)
    assert "\n" not in message, message
    for secret in SECRETS:
        assert secret not in message, f"secret leaked into: {message}"
    return message


# --- a valid file ---------------------------------------------------------------------------------


def test_a_full_file_loads_into_destinations_sources_and_run_options(work: Path, registry: Registry) -> None:
    path = write(work, FULL)
    pipeline = load(path, registry)

    assert pipeline.path == str(path)
    assert pipeline.dead_letter == "dead.ndjson"
    assert pipeline.run == {"buffer": 100, "shutdown_timeout_s": 5, "workers": 2}
    assert pipeline.run_options() == RunOptions(buffer=100, shutdown_timeout_s=5.0, workers=2)
    # Command-line values win over the file's.
    assert pipeline.run_options({"buffer": 7}) == RunOptions(buffer=7, shutdown_timeout_s=5.0, workers=2)

    amp, hook = pipeline.destinations
    assert (amp.name, hook.name) == ("amp", "hook")  # in the file's order
    assert amp.destination is actions_amplitude.destination
    assert hook.destination is actions_webhook.destination

    assert amp.settings == {"endpoint": "europe", "apiKey": ENV_SECRET, "secretKey": ENV_SECRET + "-2"}
    assert amp.subscriptions is None  # the presets
    assert amp.enrich == ["amplitude-sessions"]
    assert amp.enrich_options == {"amplitude-sessions": {"timeout_minutes": "30"}}
    assert amp.state == "sessions.db"
    assert amp.base_url == "http://127.0.0.1:9"
    assert amp.delivery == {
        Limits: {"concurrency": 4},
        BatchOptions: {"linger_s": 1.0},
        RetryPolicy: {"max_attempts": 5, "max_elapsed_s": 300},
    }

    # ACTIONS_HOOK_SHAREDSECRET overrides the file's secret.
    assert hook.settings == {"url": "http://127.0.0.1:9/in", "sharedSecret": OVERRIDE_SECRET}
    assert hook.subscriptions == [{"name": "tracks", "subscribe": 'type = "track"', "action": "send"}]
    assert hook.enrich == [] and hook.enrich_options == {} and hook.state is None and hook.base_url is None
    assert hook.delivery == {
        Limits: {"rate_limit": 20, "timeout_s": 5},
        BatchOptions: {"enabled": False},
        RetryPolicy: {"max_attempts": 3, "initial_delay_s": 1.0},
    }

    assert pipeline.sources == [
        SourceConfig(
            "web", "ndjson", {"path": "events.ndjson", "checkpoint": "events.checkpoint.json"}, ["hook"]
        )
    ]
    assert pipeline.fed_by(pipeline.sources[0]) == [hook]
    assert pipeline.fed_by(None) == [amp, hook]


def test_the_loaded_destinations_become_lanes_with_their_options_and_command_line_overrides(
    work: Path, registry: Registry
) -> None:
    pipeline = load(write(work, FULL), registry)
    amp, hook = pipeline.destinations

    lane = hook.lane(registry)
    assert lane.name == "hook"
    assert lane.limits == Limits(rate_limit=20, timeout_s=5)
    assert lane.batching == BatchOptions(enabled=False)
    assert (lane.retry.max_attempts, lane.retry.initial_delay_s) == (3, 1.0)
    assert lane.subscriptions == hook.subscriptions
    assert lane.settings.url == "http://127.0.0.1:9/in"  # type: ignore[union-attr]

    # --concurrency 2 on the command line: over every destination's own value, the rest kept.
    overridden = hook.lane(registry, overrides={Limits: {"concurrency": 2}})
    assert overridden.limits == Limits(concurrency=2, rate_limit=20, timeout_s=5)

    amp_lane = amp.lane(registry)
    assert amp_lane.limits.concurrency == 4
    assert amp_lane.retry.max_attempts == 5 and amp_lane.retry.max_elapsed_s == 300
    assert amp_lane.batching.linger_s == 1.0
    assert amp_lane.base_url == "http://127.0.0.1:9"
    assert len(amp_lane.enrichers) == 1  # amplitude-sessions, with its state file
    # --base-url replaces the file's base_url.
    assert amp.lane(registry, base_url="http://127.0.0.1:10").base_url == "http://127.0.0.1:10"


def test_the_source_is_created_from_the_registry_with_its_own_settings(
    work: Path, registry: Registry
) -> None:
    (work / "events.ndjson").write_text('{"type": "track", "event": "A"}\n', encoding="utf-8")
    pipeline = load(write(work, FULL.replace('checkpoint = "events.checkpoint.json"', "")), registry)
    source = pipeline.sources[0].create(registry)
    assert isinstance(source, NdjsonSource)
    assert source.name == "events.ndjson"
    assert not source.redelivers  # no checkpoint


def test_the_destination_type_defaults_to_its_name(work: Path, registry: Registry) -> None:
    pipeline = load(write(work, '[destinations.webhook]\nsettings = { url = "http://x/in" }\n'), registry)
    (config,) = pipeline.destinations
    assert config.name == "webhook" and config.destination is actions_webhook.destination
    assert pipeline.sources == [] and pipeline.run == {} and pipeline.dead_letter is None


def test_one_destination_type_can_appear_twice_under_two_names(work: Path, registry: Registry) -> None:
    text = (
        '[destinations.first]\ntype = "webhook"\nsettings = { url = "http://x/1" }\n'
        '[destinations.second]\ntype = "webhook"\nsettings = { url = "http://x/2" }\n'
    )
    first, second = load(write(work, text), registry).destinations
    assert (first.name, first.settings["url"]) == ("first", "http://x/1")
    assert (second.name, second.settings["url"]) == ("second", "http://x/2")
    assert first.destination is second.destination


def test_a_json_file_of_the_same_shape_loads_too(work: Path, registry: Registry) -> None:
    data = {
        "run": {"buffer": 10},
        "sources": {"web": {"type": "ndjson", "path": "-"}},
        "destinations": {"hook": {"type": "webhook", "settings": {"url": {"env": "HOOK_URL"}}}},
    }
    path = write(work, json.dumps(data), "pipeline.json")
    pipeline = load(path, registry, {"HOOK_URL": "http://x/json"})
    assert pipeline.run == {"buffer": 10}
    assert pipeline.destinations[0].settings == {"url": "http://x/json"}
    assert pipeline.sources == [SourceConfig("web", "ndjson", {"path": "-"}, None)]


def test_source_destinations_may_be_a_comma_separated_string(work: Path, registry: Registry) -> None:
    text = '[sources.web]\ntype = "ndjson"\ndestinations = "hook, amp"\n' + HOOK + AMP
    pipeline = load(write(work, text), registry)
    assert pipeline.sources[0].destinations == ["hook", "amp"]


# --- settings from the environment ---------------------------------------------------------------


def test_an_env_setting_reads_the_variable_when_it_is_set(work: Path, registry: Registry) -> None:
    text = '[destinations.hook]\ntype = "webhook"\nsettings = { url = { env = "HOOK_URL" } }\n'
    (hook,) = load(write(work, text), registry, {"HOOK_URL": "http://127.0.0.1:9/from-env"}).destinations
    assert hook.settings == {"url": "http://127.0.0.1:9/from-env"}
    assert hook.validated_settings().url == "http://127.0.0.1:9/from-env"  # type: ignore[attr-defined]


def test_env_settings_default_to_the_process_environment(
    work: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_TEST_HOOK_URL", "http://127.0.0.1:9/os")
    text = '[destinations.hook]\ntype = "webhook"\nsettings = { url = { env = "PIPELINE_TEST_HOOK_URL" } }\n'
    (hook,) = load_pipeline(write(work, text), registry).destinations
    assert hook.settings["url"] == "http://127.0.0.1:9/os"


def test_an_env_setting_whose_variable_is_unset_names_the_variable_and_the_setting(
    work: Path, registry: Registry
) -> None:
    text = HOOK + AMP.replace('{ env = "AMP_SECRET" }', '{ env = "AMP_SECRET_MISSING" }')
    path = write(work, text)
    message = error_of(path, registry)
    assert message == (
        f"{path}: [destinations.amp] settings.secretKey reads the environment variable "
        "AMP_SECRET_MISSING, which is not set"
    )


def test_an_env_setting_that_is_set_but_empty_is_used_as_the_empty_string(
    work: Path, registry: Registry
) -> None:
    text = (
        '[destinations.hook]\ntype = "webhook"\n'
        'settings = { url = "http://x", sharedSecret = { env = "S" } }\n'
    )
    (hook,) = load(write(work, text), registry, {"S": ""}).destinations
    assert hook.settings["sharedSecret"] == ""


def test_actions_name_key_variables_override_a_destinations_settings(work: Path, registry: Registry) -> None:
    text = (
        '[destinations.my-hook]\ntype = "webhook"\n'
        'settings = { url = "http://127.0.0.1:9/file", sharedSecret = { env = "HOOK_SECRET" } }\n'
        '[destinations.other]\ntype = "webhook"\nsettings = { url = "http://127.0.0.1:9/other" }\n'
    )
    environ = {
        "HOOK_SECRET": ENV_SECRET,
        # NAME: anything but letters and digits becomes _; KEY: case and punctuation ignored.
        "ACTIONS_MY_HOOK_URL": "http://127.0.0.1:9/env",
        "ACTIONS_MY_HOOK_SHARED_SECRET": OVERRIDE_SECRET,
        # The slug is not the name: this one is for a destination called "webhook".
        "ACTIONS_WEBHOOK_URL": "http://127.0.0.1:9/slug",
    }
    mine, other = load(write(work, text), registry, environ).destinations
    assert mine.settings == {"url": "http://127.0.0.1:9/env", "sharedSecret": OVERRIDE_SECRET}
    assert other.settings == {"url": "http://127.0.0.1:9/other"}
    # A variable with a destination's prefix that names none of its settings is a typo, not noise.
    with pytest.raises(ConfigurationError, match="ACTIONS_MY_HOOK_NOT_A_SETTING names no setting of webhook"):
        load(write(work, text), registry, {**environ, "ACTIONS_MY_HOOK_NOT_A_SETTING": "x"})


def test_an_override_variable_fills_a_setting_the_file_leaves_out(work: Path, registry: Registry) -> None:
    (hook,) = load(
        write(work, '[destinations.hook]\ntype = "webhook"\n'),
        registry,
        {"ACTIONS_HOOK_URL": "http://127.0.0.1:9/only-env"},
    ).destinations
    assert hook.settings == {"url": "http://127.0.0.1:9/only-env"}


def test_invalid_settings_are_reported_when_validated_naming_the_destination_and_file_not_the_secret(
    work: Path, registry: Registry
) -> None:
    # The method comes from a variable that holds a secret by mistake: the message must not show it.
    text = (
        '[destinations.hook]\ntype = "webhook"\n'
        f'settings = {{ url = "http://x", method = {{ env = "AMP_KEY" }}, sharedSecret = "{FILE_SECRET}" }}\n'
    )
    path = write(work, text)
    (hook,) = load(path, registry).destinations
    with pytest.raises(ConfigurationError) as caught:
        hook.validated_settings()
    message = str(caught.value)
    assert message.startswith(f"invalid settings for 'hook' in {path}: Method must be one of")
    assert "\n" not in message
    assert all(secret not in message for secret in SECRETS)


# --- every mistake: one line naming the place ---------------------------------------------------

ERRORS = [
    pytest.param(
        "[destination.hook]\ntype = 'webhook'\n" + HOOK,
        "{path}: unknown key 'destination'; did you mean 'destinations'?",
        id="unknown-top-level-key",
    ),
    pytest.param(
        "[settings]\nurl = 'x'\n" + HOOK,
        "{path}: unknown key 'settings' (known: run, sources, destinations)",
        id="unknown-top-level-key-without-close-match",
    ),
    pytest.param(
        HOOK + "subscriptons = []\n",
        "{path}: [destinations.hook]: unknown key 'subscriptons'; did you mean 'subscriptions'?",
        id="destination-key-typo",
    ),
    pytest.param(
        HOOK + "colour = 'red'\n",
        "{path}: [destinations.hook]: unknown key 'colour' "
        "(known: type, settings, subscriptions, enrich, enrich_options, state, delivery)",
        id="destination-key-unknown",
    ),
    pytest.param(
        HOOK + "[destinations.hook.delivery]\nmax_atempts = 3\n",
        "{path}: [destinations.hook] delivery: unknown key 'max_atempts'; did you mean 'max_attempts'?",
        id="delivery-knob-typo",
    ),
    pytest.param(
        HOOK + "[destinations.hook.delivery]\nbuffer = 3\n",
        "{path}: [destinations.hook] delivery: unknown key 'buffer' (known: concurrency, rate_limit, "
        "timeout, unreachable_after, batching, batch_size, batch_bytes, linger, max_attempts, "
        "initial_delay_s, multiplier, max_delay_s, jitter, max_retry_time, base_url)",
        id="run-knob-in-delivery",
    ),
    pytest.param(
        "[run]\nbufer = 3\n" + HOOK,
        "{path}: [run]: unknown key 'bufer'; did you mean 'buffer'?",
        id="run-knob-typo",
    ),
    pytest.param(
        "[run]\nconcurrency = 3\n" + HOOK,
        "{path}: [run]: unknown key 'concurrency' (known: buffer, buffer_bytes, shutdown_timeout, workers)",
        id="delivery-knob-in-run",
    ),
    pytest.param(
        HOOK + "delivery = { concurrency = '4' }\n",
        "{path}: [destinations.hook] delivery.concurrency must be an integer",
        id="knob-string-for-integer",
    ),
    pytest.param(
        HOOK + "delivery = { concurrency = 1.5 }\n",
        "{path}: [destinations.hook] delivery.concurrency must be an integer",
        id="knob-float-for-integer",
    ),
    pytest.param(
        HOOK + "delivery = { concurrency = true }\n",
        "{path}: [destinations.hook] delivery.concurrency must be an integer",
        id="knob-bool-for-integer",
    ),
    pytest.param(
        HOOK + "delivery = { timeout = '5s' }\n",
        "{path}: [destinations.hook] delivery.timeout must be a number",
        id="knob-string-for-number",
    ),
    pytest.param(
        HOOK + "delivery = { batching = 1 }\n",
        "{path}: [destinations.hook] delivery.batching must be true or false",
        id="knob-number-for-switch",
    ),
    pytest.param(
        HOOK + "delivery = { concurrency = 0 }\n",
        "{path}: [destinations.hook] delivery.concurrency must be at least 1",
        id="knob-below-minimum",
    ),
    pytest.param(
        HOOK + "delivery = { timeout = 0 }\n",
        "{path}: [destinations.hook] delivery.timeout must be above 0",
        id="knob-at-open-minimum",
    ),
    pytest.param(
        HOOK + "delivery = { jitter = 2 }\n",
        "{path}: [destinations.hook] delivery.jitter must be at most 1",
        id="knob-above-maximum",
    ),
    pytest.param(
        HOOK + "delivery = { base_url = 8080 }\n",
        "{path}: [destinations.hook] delivery.base_url must be a URL",
        id="base-url-not-a-string",
    ),
    pytest.param(
        "[run]\nworkers = 'four'\n" + HOOK,
        "{path}: [run].workers must be an integer",
        id="run-knob-wrong-type",
    ),
    pytest.param(
        "[run]\ndead_letter = 3\n" + HOOK,
        "{path}: [run] dead_letter must be a file name",
        id="dead-letter-not-a-string",
    ),
    pytest.param(
        HOOK + "state = 3\n",
        "{path}: [destinations.hook]: state must be a file name",
        id="state-not-a-string",
    ),
    pytest.param(
        HOOK + "subscriptions = 'type = \"track\"'\n",
        "{path}: [destinations.hook]: subscriptions must be a list of tables",
        id="subscriptions-not-a-list",
    ),
    pytest.param(
        HOOK + "enrich = 3\n",
        "{path}: [destinations.hook] enrich must be a name, a comma-separated list or a list of names",
        id="enrich-not-names",
    ),
    pytest.param(
        "[destinations.hook]\ntype = 'webhook'\nsettings = 'url=x'\n",
        "{path}: [destinations.hook] settings must be a table (an object), not str",
        id="settings-not-a-table",
    ),
    pytest.param(
        "[destinations.hook]\ntype = 3\n",
        "{path}: [destinations.hook]: type must be a destination slug",
        id="destination-type-not-a-string",
    ),
    pytest.param(
        "[sources.web]\ntype = 'ndjson'\ndestinations = ['hok']\n" + HOOK,
        "{path}: [sources.web] destinations: unknown key 'hok'; did you mean 'hook'?",
        id="source-feeds-a-misspelt-destination",
    ),
    pytest.param(
        "[sources.web]\ntype = 'ndjson'\ndestinations = ['warehouse']\n" + HOOK + AMP,
        "{path}: [sources.web] destinations: unknown key 'warehouse' (known: hook, amp)",
        id="source-feeds-a-missing-destination",
    ),
    pytest.param(
        "[sources.web]\npath = 'events.ndjson'\n" + HOOK,
        '{path}: [sources.web]: type must name a kind of source (such as "ndjson")',
        id="source-without-type",
    ),
    pytest.param(
        "[run]\nbuffer = 3\n",
        "{path}: no [destinations.NAME] table: a pipeline needs at least one destination",
        id="no-destination",
    ),
    pytest.param(
        HOOK.replace(f'"{FILE_SECRET}"', '{ env = "HOOK_SECRET_UNSET" }'),
        "{path}: [destinations.hook] settings.sharedSecret reads the environment variable "
        "HOOK_SECRET_UNSET, which is not set",
        id="env-variable-unset",
    ),
]


@pytest.mark.parametrize(("text", "expected"), ERRORS)
def test_each_mistake_is_one_line_naming_the_file_the_table_and_the_key(
    work: Path, registry: Registry, text: str, expected: str
) -> None:
    path = write(work, text)
    assert error_of(path, registry) == expected.format(path=path)


def test_an_unknown_destination_type_is_an_error_naming_the_table_with_a_suggestion(
    work: Path, registry: Registry
) -> None:
    path = write(work, HOOK.replace('"webhook"', '"webhok"'))
    assert error_of(path, registry) == (
        f"{path}: [destinations.hook]: type: no destination 'webhok'; did you mean 'webhook'? "
        "(installed: amplitude, webhook)"
    )


def test_an_unknown_destination_type_defaulted_from_the_name_is_an_error_too(
    work: Path, registry: Registry
) -> None:
    path = write(work, "[destinations.webhok]\nsettings = { url = 'http://x' }\n")
    assert error_of(path, registry) == (
        f"{path}: [destinations.webhok]: type: no destination 'webhok'; did you mean 'webhook'? "
        "(installed: amplitude, webhook)"
    )


def test_a_misspelt_base_url_gets_a_suggestion(work: Path, registry: Registry) -> None:
    path = write(work, HOOK + "delivery = { base_ur = 'http://127.0.0.1:9' }\n")
    assert error_of(path, registry) == (
        f"{path}: [destinations.hook] delivery: unknown key 'base_ur'; did you mean 'base_url'?"
    )


def test_an_unknown_source_type_is_an_error_when_the_file_is_loaded(work: Path, registry: Registry) -> None:
    path = write(work, "[sources.web]\ntype = 'ndjsn'\n" + HOOK)
    assert error_of(path, registry) == (
        f"{path}: [sources.web]: type: no source 'ndjsn'; did you mean 'ndjson'? "
        "(installed: dead-letters, ndjson, segment)"
    )


def test_an_unknown_setting_of_a_builtin_source_is_an_error_naming_the_source(
    work: Path, registry: Registry
) -> None:
    pipeline = load(write(work, "[sources.web]\ntype = 'ndjson'\npth = 'events.ndjson'\n" + HOOK), registry)
    assert pipeline.sources[0].params == {"pth": "events.ndjson"}
    with pytest.raises(ConfigurationError) as caught:
        pipeline.sources[0].create(registry)
    assert str(caught.value) == (
        "source 'web': unknown setting 'pth' (ndjson sources take: path, checkpoint)"
    )


# --- files that cannot be read ---------------------------------------------------------------


def test_invalid_toml_is_an_error_naming_the_file_and_the_position(work: Path, registry: Registry) -> None:
    path = write(work, HOOK + "[destinations.hook.delivery\nconcurrency = 2\n")
    message = error_of(path, registry)
    assert message.startswith(f"pipeline file {str(path)!r} is not valid TOML: ")
    assert "(at line 5, column 28)" in message


def test_invalid_json_is_an_error_naming_the_file(work: Path, registry: Registry) -> None:
    path = write(work, '{"destinations": {', "pipeline.json")
    assert error_of(path, registry).startswith(f"pipeline file {str(path)!r} is not valid JSON: ")


def test_a_file_that_is_not_utf8_is_an_error(work: Path, registry: Registry) -> None:
    path = work / "pipeline.toml"
    path.write_bytes(b'[destinations.hook]\ntype = "webhook"\nsettings = { url = "http://x/\xff" }\n')
    message = error_of(path, registry)
    assert message.startswith(f"pipeline file {str(path)!r} is not valid TOML: 'utf-8' codec")


def test_a_json_file_that_is_not_an_object_is_an_error(work: Path, registry: Registry) -> None:
    path = write(work, "[1, 2]", "pipeline.json")
    assert error_of(path, registry) == f"pipeline file {str(path)!r} must be a table (an object), not list"


def test_a_missing_file_is_an_error_naming_it(work: Path, registry: Registry) -> None:
    path = work / "nowhere.toml"
    assert error_of(path, registry) == f"cannot read pipeline file {str(path)!r}: No such file or directory"


# --- secrets never shown -----------------------------------------------------------------------


def test_no_error_of_any_case_shows_a_secret_even_with_every_secret_set(
    work: Path, registry: Registry
) -> None:
    """Every case above again, with the secrets also present in every place a value can come from."""
    environ = {
        **ENVIRON,
        "ACTIONS_HOOK_URL": "http://127.0.0.1:9/" + OVERRIDE_SECRET,
        "ACTIONS_AMP_APIKEY": ENV_SECRET,
    }
    for case in ERRORS:
        text = str(case.values[0])
        path = write(work, text)
        with pytest.raises(ConfigurationError) as caught:
            load(path, registry, environ)
        assert all(secret not in str(caught.value) for secret in SECRETS), (case.id, str(caught.value))
