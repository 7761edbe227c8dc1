"""mapUser: the User Mapping API form."""

from __future__ import annotations

from typing import Any

from actions.testing import make_event, run_action
from actions_amplitude import destination

SETTINGS = {"apiKey": "test-api-key", "secretKey": "test-secret-key"}


def alias(mapping: dict[str, Any] | None = None, settings: Any = SETTINGS) -> Any:
    return run_action(
        destination,
        "mapUser",
        event=make_event(type="alias", userId="global-user", previousId="old-user"),
        mapping=mapping,
        settings=settings,
        use_default_mappings=True,
    )


def test_alias_maps_the_previous_id_to_the_user_id() -> None:
    request = alias().request
    assert request.url == "https://api.amplitude.com/usermap"
    assert request.form_decoded == {
        "api_key": "test-api-key",
        "mapping": [{"user_id": "old-user", "global_user_id": "global-user"}],
    }


def test_min_id_length_goes_to_options_and_not_into_the_mapping() -> None:
    form = alias({"min_id_length": 3}).request.form_decoded
    assert form["mapping"] == [{"user_id": "old-user", "global_user_id": "global-user"}]
    assert form["options"] == {"min_id_length": 3}


def test_europe_and_missing_api_key() -> None:
    request = alias(settings={"endpoint": "europe"}).request
    assert request.url == "https://api.eu.amplitude.com/usermap"
    assert request.form is not None and "api_key" not in request.form


def test_mapping_object_keeps_the_order_of_the_mapped_fields() -> None:
    run = run_action(
        destination,
        "mapUser",
        event=make_event(type="alias", userId="global-user", previousId="old-user"),
        mapping={"global_user_id": {"@path": "$.userId"}, "user_id": {"@path": "$.previousId"}},
        settings=SETTINGS,
    )
    assert run.request.form is not None
    assert run.request.form["mapping"] == '[{"global_user_id":"global-user","user_id":"old-user"}]'
