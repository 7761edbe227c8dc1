"""Where this destination deliberately sends something other than the reference, and which golden
differences each choice explains.

Most golden cases show some of these differences, so the case patterns name action families;
each divergence also lists the exact comparison lines it explains, and the conformance runner
calls a case divergent only when every one of its differences is explained.
"""

from __future__ import annotations

from typing import Final

from actions import Divergence

__all__ = ["DIVERGENCES"]

# Prefixes of the comparison lines for a request's event object, identification or mapping.
_EVENT = r"requests\[\d+\]\.body\.events\[\d+\]"
_IDENTIFICATION = r"requests\[\d+\]\.form\.identification(?:\[\d+\])?"


# Case families by action: "<group>/<action>/<name>", plus the groups that name no action.
_EVENT_ACTION_CASES: Final = (
    "*/logEvent/*",
    "*/logEventV2/*",
    "*/logPurchase/*",
    "purchase/*",
    "preset/track/*",
    "preset/page/*",
    "preset/screen/*",
    "preset/order-completed/*",
    # Pipeline cases name the scenario, not the action (event/track-matches-track-preset...).
    "event/*",
)
_FORM_ACTION_CASES: Final = (
    "*/identifyUser/*",
    "*/groupIdentifyUser/*",
    "*/mapUser/*",
    "preset/identify/*",
    "event/*",
)

DIVERGENCES: Final = (
    Divergence(
        name="no-undefined-form-values",
        reason=(
            "Form bodies never carry the literal text 'undefined': without min_id_length there is no options "
            "field, and without an API key no api_key field (the reference sends options=undefined and "
            "api_key=undefined)."
        ),
        cases=_FORM_ACTION_CASES,
        differences=(r'requests\[\d+\]\.form\.(?:api_key|options): missing \(expected "undefined"\)',),
    ),
    Divergence(
        name="only-amplitude-keys",
        reason=(
            "Only Amplitude's own keys are sent: use_batch_endpoint, products and the parsed device_type are "
            "not event fields, and min_id_length is not a user-mapping field (the reference leaks all four)."
        ),
        cases=(*_EVENT_ACTION_CASES, "*/identifyUser/*", "preset/identify/*", "*/mapUser/*"),
        differences=(
            _EVENT + r"\.(?:use_batch_endpoint|products|device_type): missing \(expected .*\)",
            _IDENTIFICATION + r"\.device_type: missing \(expected .*\)",
            r"requests\[\d+\]\.form\.mapping\[\d+\]\.min_id_length: missing \(expected .*\)",
        ),
    ),
    Divergence(
        name="insert-id-from-message-id",
        reason=(
            "insert_id defaults to the Segment messageId (product events: the same id with a -2, -3... "
            "suffix), "
            "so retried deliveries are deduplicated by Amplitude; the reference maps no insert_id."
        ),
        cases=_EVENT_ACTION_CASES,
        differences=(
            _EVENT + r"\.insert_id: unexpected .*",
            r"payloads\[\d+\]\.insert_id: unexpected .*",
        ),
    ),
    Divergence(
        name="numeric-string-timestamps",
        reason=(
            "A numeric string time or session_id is epoch milliseconds, like the number it spells, once "
            "it is long enough to be one (a time of 4 to 8 digits is a calendar date, as there); the "
            "reference "
            "reads '1629213675449' through dayjs's date pattern (a date thousands of years ago) and '-1' "
            "as 2001. "
            "Out-of-range values are then left out like out-of-range numbers."
        ),
        cases=("time/*", "session_id/*"),
        differences=(
            rf"(?:{_EVENT}|{_IDENTIFICATION})\.(?:time|session_id): "
            r"(?:got .*, expected .*|missing \(expected .*\)|unexpected .*)",
        ),
    ),
    Divergence(
        name="platform-whole-words",
        reason=(
            "The platform fix-up only capitalises whole words ('ios' becomes 'iOS', 'Bios' stays 'Bios'); "
            "the "
            "reference also rewrites 'ios' and 'android' inside other words."
        ),
        cases=("fields/*/platform-*",),
        differences=(rf"(?:{_EVENT}|{_IDENTIFICATION})\.platform: got .*, expected .*",),
    ),
    Divergence(
        name="skip-null-products",
        reason=(
            "null entries in products are skipped; the reference sends each as a Product Purchased event "
            "with "
            "zero price, quantity and revenue."
        ),
        cases=("purchase/*null*",),
        differences=(r"requests\[\d+\]\.body\.events: got .*, expected .*",),
    ),
    Divergence(
        name="event-actions-batch",
        reason=(
            "logEvent, logEventV2 and logPurchase deliver batches (perform_batch), reading Amplitude's "
            "answer per event, and identifyUser and mapUser send a batch's identifications or mappings as "
            "one JSON array per request; the reference has no batch support for any Amplitude action (a "
            "batch of events through the pipeline, onBatch, fails there as a whole)."
        ),
        cases=(
            "batch/logEvent/*",
            "batch/logEventV2/*",
            "batch/logPurchase/*",
            "batch/identifyUser/*",
            "batch/mapUser/*",
            "event/*",
        ),
        differences=(
            r'error: none raised \(expected \{"name": "IntegrationError", '
            r'"message": "This action does not support batched requests\.".*\)',
            r"requests: got \d+, expected 0",
            r"payloads: got .*, expected \[\]",
        ),
    ),
)
