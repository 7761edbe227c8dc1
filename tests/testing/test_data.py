"""Deterministic test data: values follow the field definitions, differ per field and never vary."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
import sys
import uuid
from datetime import datetime
from urllib.parse import urlsplit

from actions import Condition, DependsOn, Field
from actions.testing import (
    SECRET_MARKER,
    action_seed,
    generate_payload,
    generate_settings,
    generate_value,
    settings_seed,
)
from actions_webhook import destination as webhook

FIELDS = {
    "event_name": Field(label="Event Name", required=True),
    "category": Field(label="Category"),
    "note": Field(label="Note"),
    "email": Field(label="Email"),
    "sent_at": Field(label="Sent At", type="datetime", required=True),
    "price": Field(label="Price", type="number", minimum=5, maximum=6),
    "quantity": Field(label="Quantity", type="integer", minimum=1, maximum=3),
    "level": Field(label="Level", choices=["gold", "silver", ""]),
    "ids": Field(label="Ids", multiple=True, format="uuid"),
    "device": Field(
        label="Device",
        type="object",
        required=True,
        properties={
            "ip": Field(label="IP", required=True, format="ipv4"),
            "mobile": Field(label="Mobile", type="boolean"),
        },
    ),
    "coupon": Field(
        label="Coupon",
        required=DependsOn(conditions=(Condition(field_key="event_name", operator="is"),)),
    ),
    "promo": Field(
        label="Promo",
        required=DependsOn(conditions=(Condition(field_key="category", operator="is"),)),
    ),
    "code": Field(label="Code", minimum=30, maximum=32),
    "summary": Field(label="Summary", type="text"),
}


def test_same_seed_gives_the_same_payload() -> None:
    assert generate_payload(FIELDS, "shop#order") == generate_payload(FIELDS, "shop#order")


def test_payload_is_stable_across_processes_and_hash_seeds() -> None:
    script = (
        "import json; from actions_webhook import destination as d; from actions.testing import *;"
        "print(json.dumps([generate_payload(d.actions['send'], 'w#s'), generate_settings(d)]))"
    )
    outputs = set()
    for hash_seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop())[0] == generate_payload(webhook.actions["send"], "w#s")


def test_different_seeds_give_different_values() -> None:
    assert generate_payload(FIELDS, "shop#order") != generate_payload(FIELDS, "shop#refund")


def test_fields_of_the_same_type_get_distinct_values() -> None:
    many = {f"field_{i}": Field(label=f"F{i}") for i in range(40)}
    values = list(generate_payload(many, "x#y").values())
    assert len(set(values)) == len(values)


def test_adding_a_field_keeps_the_other_fields_values() -> None:
    before = generate_payload(FIELDS, "shop#order")
    after = generate_payload({"zzz_new": Field(label="New"), **FIELDS}, "shop#order")
    assert {k: v for k, v in after.items() if k != "zzz_new"} == before


def test_formats_are_respected() -> None:
    fields = {
        fmt: Field(label=fmt, format=fmt)
        for fmt in ("date-time", "date", "time", "uri", "email", "uuid", "hostname", "ipv4", "ipv6")
    }
    data = generate_payload(fields, "formats#all")
    assert datetime.fromisoformat(data["date-time"].replace("Z", "+00:00")).tzinfo is not None
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["date"])
    assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", data["time"])
    assert urlsplit(data["uri"]).scheme == "https"
    assert urlsplit(data["uri"]).hostname
    assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", data["email"])
    assert uuid.UUID(data["uuid"]).version == 4
    assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", data["hostname"])
    assert ipaddress.ip_address(data["ipv4"]).version == 4
    assert ipaddress.ip_address(data["ipv6"]).version == 6


def test_field_names_imply_formats_for_plain_strings() -> None:
    data = generate_payload(
        {"email": Field(label="E"), "currency": Field(label="C"), "phone_number": Field(label="P")}, "names#x"
    )
    assert "@" in data["email"]
    assert re.fullmatch(r"[A-Z]{3}", data["currency"])
    assert re.fullmatch(r"\+\d{11}", data["phone_number"])


def test_datetime_fields_get_iso_timestamps() -> None:
    value = generate_payload(FIELDS, "shop#order")["sent_at"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", value)


def test_numbers_stay_within_minimum_and_maximum() -> None:
    for seed in range(30):
        data = generate_payload(FIELDS, f"bounds#{seed}")
        assert 5 <= data["price"] <= 6
        assert isinstance(data["quantity"], int)
        assert 1 <= data["quantity"] <= 3


def test_string_lengths_respect_minimum_and_maximum() -> None:
    for seed in range(30):
        assert 30 <= len(generate_payload(FIELDS, f"lengths#{seed}")["code"]) <= 32


def test_choices_are_picked_from_the_choice_values_including_falsy_ones() -> None:
    picked = {generate_payload(FIELDS, f"choices#{seed}")["level"] for seed in range(60)}
    assert picked == {"gold", "silver", ""}


def test_multiple_fields_get_a_list_of_valid_values() -> None:
    ids = generate_payload(FIELDS, "shop#order")["ids"]
    assert len(ids) == 2
    assert len(set(ids)) == 2
    assert all(uuid.UUID(i) for i in ids)


def test_multiple_choice_fields_pick_distinct_choices() -> None:
    field = Field(label="Tags", multiple=True, choices=["a", "b", "c"])
    tags = generate_value(field, "tags#x", "tags")
    assert len(tags) == 2
    assert set(tags) <= {"a", "b", "c"}
    assert len(set(tags)) == 2


def test_objects_get_their_declared_properties() -> None:
    device = generate_payload(FIELDS, "shop#order")["device"]
    assert set(device) == {"ip", "mobile"}
    assert isinstance(device["mobile"], bool)


def test_objects_without_properties_get_one_sample_key() -> None:
    value = generate_value(Field(label="Traits", type="object"), "traits#x", "traits")
    assert isinstance(value, dict)
    assert len(value) == 1


def test_required_only_keeps_required_fields_with_the_same_values() -> None:
    full = generate_payload(FIELDS, "shop#order")
    required = generate_payload(FIELDS, "shop#order", required_only=True)
    assert set(required) == {"event_name", "sent_at", "device", "coupon"}
    assert required["device"] == {"ip": full["device"]["ip"]}
    assert all(required[k] == full[k] for k in ("event_name", "sent_at", "coupon"))


def test_conditionally_required_field_is_left_out_when_its_condition_fails() -> None:
    # "promo" is required when "category" has a value, and category is optional.
    assert "promo" not in generate_payload(FIELDS, "shop#order", required_only=True)


def test_nullable_fields_get_null_when_nulls_are_asked_for() -> None:
    fields = {"a": Field(label="A", allow_null=True), "b": Field(label="B")}
    data = generate_payload(fields, "nulls#x", nulls=True)
    assert data["a"] is None
    assert isinstance(data["b"], str)
    assert generate_payload(fields, "nulls#x")["a"] is not None


def test_action_seed_names_destination_and_action() -> None:
    assert action_seed(webhook, webhook.actions["send"]) == "webhook#send"
    assert action_seed("amplitude", "logEvent") == "amplitude#logEvent"
    assert settings_seed(webhook) == "webhook#settings"


def test_generated_settings_mark_secrets_and_get_redacted() -> None:
    settings = generate_settings(webhook)
    assert settings["sharedSecret"].startswith(SECRET_MARKER + "shared-secret-")
    assert urlsplit(settings["url"]).scheme == "https"
    assert settings["method"] in {"POST", "PUT", "PATCH"}
    redacted = webhook.redactor(settings).text(f"token={settings['sharedSecret']}")
    assert redacted == "token=<redacted:sharedSecret>"


def test_required_only_settings_leave_out_settings_with_defaults() -> None:
    assert set(generate_settings(webhook, required_only=True)) == {"url"}


def test_generated_values_are_pinned_so_existing_snapshots_stay_valid() -> None:
    # Every destination's committed snapshots depend on these values: a change to the generator
    # that alters them must be deliberate (and comes with regenerating all snapshots).
    fields = {
        "name": Field(label="N"),
        "n": Field(label="N", type="integer"),
        "at": Field(label="A", type="datetime"),
    }
    assert generate_payload(fields, "pin#x") == {
        "name": "grand-lagoon-55",
        "n": 629,
        "at": "2023-12-09T11:04:33.920Z",
    }
