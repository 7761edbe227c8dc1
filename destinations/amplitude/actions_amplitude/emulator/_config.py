"""The emulator's configuration: projects, limits, validation switches and fault-injection rates."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["EmulatorConfig", "Region"]

Region = Literal["us", "eu"]

_SEVEN_DAYS_S = 7 * 24 * 3600


class EmulatorConfig(BaseModel):
    """How the local Amplitude behaves.

    The defaults behave like a healthy Amplitude project that accepts any API key: no faults, no
    throttling, real limits (2000 events, 1 MB on ``/2/httpapi``, 20 MB on ``/batch``) and the
    strict validation real servers apply (ids shorter than 5 characters are rejected).

    Args:
        api_keys: Known projects, API key -> secret key. ``None`` accepts any non-empty API key
            and any Basic-auth pair whose user part is non-empty.
        api_key_regions: Optional region of a project. When a request's ``Host`` names an
            Amplitude host of the other region, the key is unknown there ("Invalid API key").
        seed: Seeds the random generator behind every fault decision.
        error_rate: Share of requests answered 500, 502, 503 or 504.
        error_after_accept_rate: Share of injected 500/502/504 answers sent *after* the request
            was processed and its events stored (what ``insert_id`` de-duplication protects
            against). 503 never stores.
        throttle_rate: Share of requests answered 429 naming some of their users/devices/events.
        drop_rate: Share of requests whose connection is closed without an answer (nothing stored).
        timeout_rate: Share of requests processed normally whose answer is held ``timeout_s``.
        timeout_s: How long a "timeout" fault holds the answer.
        latency_ms: Delay added to every answer of an Amplitude route.
        retry_after_s: ``Retry-After`` header value on 429 answers.
        fault_paths: Restrict random faults to these routes (e.g. ``{"/2/httpapi"}``); ``None``
            means every Amplitude route.
        max_events_per_request: Over this, ``/2/httpapi`` and ``/batch`` answer 413.
        max_body_bytes: Body limit of ``/2/httpapi`` (413 above).
        max_batch_body_bytes: Body limit of ``/batch``.
        max_form_body_bytes: Body limit of ``/identify``, ``/groupidentify`` and ``/usermap``.
        min_id_length: Default minimum length of ``user_id``/``device_id`` (requests may
            override it with ``options.min_id_length``).
        short_id_mode: ``"reject"`` answers 400 ``events_with_invalid_id_lengths`` (what real
            servers do); ``"drop"`` removes the short id from the event (what the docs say).
        reject_blocklisted_ids: Reject ids such as ``"null"`` or ``"00000000-..."``.
        strict_types: Reject events whose typed fields (``time``, ``session_id``, objects...)
            have the wrong JSON type.
        require_json_content_type: Answer ``Invalid JSON request body`` when a JSON route gets
            another content type.
        mixed_properties_mode: What plain keys next to operations in ``user_properties`` do:
            ``"ignore"`` them, or treat them as ``"set"``.
        eps_threshold: Events per second per user/device above which ``/2/httpapi`` answers
            429 (averaged over ``eps_window_s``). ``None`` disables real throttling.
        batch_eps_threshold: The same for ``/batch``; ``None`` means ``eps_threshold``.
        eps_window_s: The averaging window of throttling.
        daily_quota: Events per rolling 24 h per user/device above which requests get 429 with
            ``exceeded_daily_quota_*``. ``None`` disables it.
        silenced_devices: Device ids whose events are answered "Events silenced for device_id".
        dedup_window_s: How long an ``insert_id`` is remembered.
        read_timeout_s: How long a request body may take to arrive over HTTP; a slower client is
            answered 408 and disconnected, so it cannot hold a connection forever.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_keys: dict[str, str] | None = None
    api_key_regions: dict[str, Region] = Field(default_factory=dict)
    seed: int = 0

    error_rate: float = Field(0.0, ge=0.0, le=1.0)
    error_after_accept_rate: float = Field(0.5, ge=0.0, le=1.0)
    throttle_rate: float = Field(0.0, ge=0.0, le=1.0)
    drop_rate: float = Field(0.0, ge=0.0, le=1.0)
    timeout_rate: float = Field(0.0, ge=0.0, le=1.0)
    timeout_s: float = Field(30.0, ge=0.0)
    latency_ms: float = Field(0.0, ge=0.0)
    retry_after_s: int = Field(1, ge=0)
    fault_paths: frozenset[str] | None = None

    max_events_per_request: int = Field(2000, ge=1)
    max_body_bytes: int = Field(1_000_000, ge=1)
    max_batch_body_bytes: int = Field(20_000_000, ge=1)
    max_form_body_bytes: int = Field(1_000_000, ge=1)

    min_id_length: int = Field(5, ge=0)
    short_id_mode: Literal["reject", "drop"] = "reject"
    reject_blocklisted_ids: bool = True
    strict_types: bool = True
    require_json_content_type: bool = True
    mixed_properties_mode: Literal["ignore", "set"] = "ignore"

    eps_threshold: float | None = Field(None, gt=0.0)
    batch_eps_threshold: float | None = Field(None, gt=0.0)
    eps_window_s: float = Field(30.0, gt=0.0)
    daily_quota: int | None = Field(None, ge=1)
    silenced_devices: frozenset[str] = frozenset()

    dedup_window_s: float = Field(float(_SEVEN_DAYS_S), ge=0.0)
    read_timeout_s: float = Field(30.0, gt=0.0)

    @model_validator(mode="after")
    def _fault_rates_fit_in_one(self) -> EmulatorConfig:
        # One uniform draw per request picks at most one fault, so the rates must partition [0, 1].
        total = self.error_rate + self.throttle_rate + self.drop_rate + self.timeout_rate
        if total > 1.0 + 1e-9:
            raise ValueError(
                f"error_rate + throttle_rate + drop_rate + timeout_rate must not exceed 1 (got {total:g})"
            )
        return self

    def eps_threshold_for(self, endpoint: str) -> float | None:
        """The throttling threshold that applies to ``endpoint`` (``/2/httpapi`` or ``/batch``)."""
        if endpoint == "/batch" and self.batch_eps_threshold is not None:
            return self.batch_eps_threshold
        return self.eps_threshold

    def body_limit_for(self, endpoint: str) -> int:
        """The body-size limit of ``endpoint``."""
        if endpoint == "/batch":
            return self.max_batch_body_bytes
        if endpoint in ("/2/httpapi",):
            return self.max_body_bytes
        return self.max_form_body_bytes
