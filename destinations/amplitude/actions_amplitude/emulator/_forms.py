"""The form APIs (``/identify``, ``/groupidentify``, ``/usermap``): parameters and their validation.

Parameters are read from the query string and from an urlencoded or multipart body alike (the
body wins). ``identification``/``mapping`` are JSON objects or arrays of objects; ``options`` is
JSON, and Segment's literal ``options=undefined`` is ignored. Error bodies are short plain-text
codes; only ``missing_event`` is documented, the others follow its style:

===========================  ==============================================================
``invalid_api_key``          ``api_key`` missing, or not a project key
``missing_event``            ``identification`` missing, not JSON, empty, or an element without ids
``invalid_id``               a blocklisted or non-string ``user_id``/``device_id``
``invalid_id_length``        an id shorter than the minimum length
``invalid_user_properties``  ``user_properties``/``group_properties``/``groups`` not an object
``missing_group_type``       a group identification without a string ``group_type``
``missing_group_value``      ... without a ``group_value``
``too_many_identifications`` more than 1024 group identifications
``missing_mapping``          ``mapping`` missing, not JSON or empty
``missing_user_id``          a mapping without ``user_id``
``missing_global_user_id``   a mapping without ``global_user_id`` (and no ``unmap: true``)
``invalid_unmap``            ``unmap: true`` together with ``global_user_id``
``too_many_mappings``        more than 2000 mappings
===========================  ==============================================================
"""

from __future__ import annotations

import email.parser
import email.policy
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from ._config import EmulatorConfig
from ._reply import Reply, text_reply
from ._validate import id_problem, min_id_length_from_options, parse_json

__all__ = [
    "FormRequest",
    "parse_form",
    "validate_group_identifications",
    "validate_identifications",
    "validate_mappings",
]

MAX_GROUP_IDENTIFICATIONS = 1024
MAX_MAPPINGS = 2000


@dataclass
class FormRequest:
    """A form API call whose key is checked: the key and the parsed items."""

    api_key: str
    items: list[dict[str, object]]


def _form_fields(headers: Mapping[str, str], body: bytes) -> list[tuple[str, str]]:
    content_type = headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() == "multipart/form-data":
        return _multipart_fields(content_type, body)
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return []


def _multipart_fields(content_type: str, body: bytes) -> list[tuple[str, str]]:
    # The email package already knows MIME multipart; give it the header it needs.
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    fields: list[tuple[str, str]] = []
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields.append((name, payload.decode("utf-8", errors="replace")))
    return fields


def parse_form(query: str, headers: Mapping[str, str], body: bytes) -> dict[str, str]:
    """The call's parameters: query string first, then the body (which wins on a clash)."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    if body:
        params.update(_form_fields(headers, body))
    return params


def _json_items(raw: str | None) -> list[dict[str, object]] | None:
    """A JSON object or a non-empty array of objects, as a list; ``None`` when malformed."""
    if raw is None:
        return None
    try:
        value = parse_json(raw.encode("utf-8"))
    except ValueError:
        return None
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    return items  # type: ignore[return-value]


def _options_min_id_length(params: Mapping[str, str], config: EmulatorConfig) -> int:
    raw = params.get("options")
    if raw is None or raw == "undefined":
        return config.min_id_length
    try:
        options = parse_json(raw.encode("utf-8"))
    except ValueError:
        return config.min_id_length
    return min_id_length_from_options(options, config.min_id_length)


def _bad(code: str) -> Reply:
    return text_reply(400, code)


def _id_reply(problem: str) -> Reply:
    return _bad("invalid_id" if problem == "invalid" else "invalid_id_length")


def validate_identifications(
    params: Mapping[str, str], api_key: str, config: EmulatorConfig
) -> FormRequest | Reply:
    """Check an ``/identify`` call whose key is already accepted."""
    items = _json_items(params.get("identification"))
    if items is None:
        return _bad("missing_event")
    min_length = _options_min_id_length(params, config)
    for item in items:
        ids = [(name, item.get(name)) for name in ("user_id", "device_id") if item.get(name) is not None]
        if not ids:
            return _bad("missing_event")
        for _name, value in ids:
            problem = id_problem(value, min_length, config)
            if problem is not None:
                return _id_reply(problem)
        for name in ("user_properties", "groups"):
            if item.get(name) is not None and not isinstance(item.get(name), dict):
                return _bad("invalid_user_properties")
    return FormRequest(api_key=api_key, items=items)


def validate_group_identifications(
    params: Mapping[str, str], api_key: str, config: EmulatorConfig
) -> FormRequest | Reply:
    """Check a ``/groupidentify`` call whose key is already accepted."""
    items = _json_items(params.get("identification"))
    if items is None:
        return _bad("missing_event")
    if len(items) > MAX_GROUP_IDENTIFICATIONS:
        return _bad("too_many_identifications")
    for item in items:
        group_type = item.get("group_type")
        if not isinstance(group_type, str) or not group_type:
            return _bad("missing_group_type")
        group_value = item.get("group_value")
        if group_value is None or group_value == "" or isinstance(group_value, dict | list | bool):
            return _bad("missing_group_value")
        properties = item.get("group_properties")
        if properties is not None and not isinstance(properties, dict):
            return _bad("invalid_user_properties")
    return FormRequest(api_key=api_key, items=items)


def validate_mappings(params: Mapping[str, str], api_key: str, config: EmulatorConfig) -> FormRequest | Reply:
    """Check a ``/usermap`` call whose key is already accepted."""
    items = _json_items(params.get("mapping"))
    if items is None:
        return _bad("missing_mapping")
    if len(items) > MAX_MAPPINGS:
        return _bad("too_many_mappings")
    min_length = _options_min_id_length(params, config)
    for item in items:
        user_id = item.get("user_id")
        if user_id is None:
            return _bad("missing_user_id")
        unmap = item.get("unmap") is True
        global_user_id = item.get("global_user_id")
        if unmap and global_user_id is not None:
            return _bad("invalid_unmap")
        if not unmap and global_user_id is None:
            return _bad("missing_global_user_id")
        for value in (user_id, global_user_id):
            problem = None if value is None else id_problem(value, min_length, config)
            if problem is not None:
                return _id_reply(problem)
    return FormRequest(api_key=api_key, items=items)
