"""The ``segment`` kind of source: a write key of the tracking API that ``actions serve`` answers.

In a pipeline file::

    [sources.web]
    type = "segment"
    write_key = { env = "WEB_WRITE_KEY" }   # what analytics.js / analytics-python send
    destinations = ["amplitude"]           # optional: default, every destination

Each such source is one write key; its events go to the destinations it feeds. It is not read
from a file, so ``actions run`` refuses it with a message pointing at ``actions serve``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._errors import ConfigurationError
from ..delivery._pipeline import Pipeline
from ..delivery._sources import Source, SourceOptions, SourceSpec

__all__ = ["SEGMENT_SOURCE", "WriteKey", "write_keys"]


def _not_readable(options: SourceOptions) -> Source:
    raise ConfigurationError(
        f"source {options.name!r} receives events over HTTP (type = \"segment\"): "
        "serve it with `actions serve --config FILE`, or give --events FILE"
    )


SEGMENT_SOURCE = SourceSpec(
    name="segment",
    description="the Segment tracking API, served by `actions serve` for clients sending this write key",
    factory=_not_readable,
    params={"write_key": 'the write key clients send (a string, or { env = "NAME" })'},
)


@dataclass(frozen=True)
class WriteKey:
    """One write key of the service: the source it stands for and the destinations that source feeds."""

    key: str
    source: str
    destinations: tuple[str, ...]

    def __repr__(self) -> str:  # never the key itself
        return f"WriteKey(source={self.source!r}, destinations={self.destinations!r})"


def write_keys(pipeline: Pipeline) -> list[WriteKey]:
    """The pipeline's ``segment`` sources as write keys, checked.

    Raises:
        ConfigurationError: no such source, a missing or empty key, or one key given to two sources.
    """
    where = pipeline.path or "the pipeline file"
    keys: list[WriteKey] = []
    for source in pipeline.sources:
        if source.type != "segment":
            continue
        unknown = sorted(set(source.params) - {"write_key"})
        if unknown:
            raise ConfigurationError(f"{where}: [sources.{source.name}]: unknown key {unknown[0]!r}")
        key = source.params.get("write_key")
        if not isinstance(key, str) or not key.strip():
            raise ConfigurationError(
                f'{where}: [sources.{source.name}] needs write_key = "..." (or {{ env = "NAME" }}): '
                "the key its clients send"
            )
        fed = tuple(config.name for config in pipeline.fed_by(source))
        clash = next((other for other in keys if other.key == key), None)
        if clash is not None:
            raise ConfigurationError(
                f"{where}: [sources.{source.name}] and [sources.{clash.source}] have the same write_key: "
                "give each source its own"
            )
        keys.append(WriteKey(key, source.name, fed))
    if not keys:
        raise ConfigurationError(
            f'{where} has no [sources.NAME] with type = "segment": actions serve needs at least one '
            "write key to accept events for"
        )
    return keys

