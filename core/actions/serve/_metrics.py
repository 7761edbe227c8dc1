"""A small metrics registry rendered in the Prometheus text format (version 0.0.4).

Counters, gauges and histograms with fixed label names, children per label values, and hooks run
before each scrape (to read a queue's stats, say). No client library: the format is a few lines
of text, and everything here runs on one event loop, so no locking is needed. Label values are
escaped; what goes into them is the caller's business: source names, never write keys.
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Final, Generic, TypeVar

__all__ = ["DEFAULT_BUCKETS", "Counter", "Gauge", "Histogram", "Metrics"]

DEFAULT_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_METRIC_NAME: Final = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
_LABEL_NAME: Final = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return str(int(value)) if float(value).is_integer() and abs(value) < 2**53 else repr(float(value))


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels_text(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    pairs = [f'{name}="{_escape_label(value)}"' for name, value in zip(names, values, strict=True)]
    if extra:
        pairs.append(extra)
    return "{" + ",".join(pairs) + "}" if pairs else ""


class _Value:
    """One counter or gauge child: a number."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0


class CounterChild(_Value):
    __slots__ = ()

    def inc(self, amount: float = 1) -> None:
        if amount < 0:
            raise ValueError("a counter only goes up")
        self.value += amount


class GaugeChild(_Value):
    __slots__ = ()

    def set(self, value: float) -> None:
        self.value = value

    def inc(self, amount: float = 1) -> None:
        self.value += amount

    def dec(self, amount: float = 1) -> None:
        self.value -= amount


class HistogramChild:
    __slots__ = ("buckets", "count", "counts", "sum")

    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.count = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.count += 1
        self.sum += value
        for position, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[position] += 1
                break


_Child = TypeVar("_Child", CounterChild, GaugeChild, HistogramChild)


class _Family(Generic[_Child]):
    """A metric and its children, one per combination of label values."""

    kind: str

    def __init__(self, name: str, documentation: str, labels: Sequence[str]) -> None:
        if not _METRIC_NAME.match(name):
            raise ValueError(f"invalid metric name {name!r}")
        for label in labels:
            if not _LABEL_NAME.match(label) or label.startswith("__") or label == "le":
                raise ValueError(f"invalid label name {label!r} for {name}")
        self.name = name
        self.documentation = documentation
        self.label_names = tuple(labels)
        self._children: dict[tuple[str, ...], _Child] = {}

    def _new_child(self) -> _Child:
        raise NotImplementedError

    def labels(self, **values: str) -> _Child:
        """The child for these label values (every label named, no other)."""
        if set(values) != set(self.label_names):
            raise ValueError(f"{self.name} takes labels {', '.join(self.label_names) or '(none)'}")
        key = tuple(values[name] for name in self.label_names)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self._new_child()
        return child

    def render(self) -> list[str]:
        documentation = self.documentation.replace("\\", "\\\\").replace("\n", "\\n")
        lines = [f"# HELP {self.name} {documentation}", f"# TYPE {self.name} {self.kind}"]
        for key, child in sorted(self._children.items()):
            lines.extend(self._samples(key, child))
        return lines

    def _samples(self, key: tuple[str, ...], child: _Child) -> list[str]:
        assert isinstance(child, _Value)
        return [f"{self.name}{_labels_text(self.label_names, key)} {_number(child.value)}"]


class Counter(_Family[CounterChild]):
    kind = "counter"

    def _new_child(self) -> CounterChild:
        return CounterChild()


class Gauge(_Family[GaugeChild]):
    kind = "gauge"

    def _new_child(self) -> GaugeChild:
        return GaugeChild()


class Histogram(_Family[HistogramChild]):
    kind = "histogram"

    def __init__(
        self, name: str, documentation: str, labels: Sequence[str], buckets: Sequence[float] = DEFAULT_BUCKETS
    ) -> None:
        super().__init__(name, documentation, labels)
        bounds = tuple(float(bound) for bound in buckets if not math.isinf(bound))
        if list(bounds) != sorted(set(bounds)):
            raise ValueError(f"{name}: buckets must increase")
        self.buckets = bounds

    def _new_child(self) -> HistogramChild:
        return HistogramChild(self.buckets)

    def _samples(self, key: tuple[str, ...], child: HistogramChild) -> list[str]:
        lines = []
        cumulative = 0
        for bound, count in zip(child.buckets, child.counts, strict=True):
            cumulative += count
            labels = _labels_text(self.label_names, key, f'le="{_number(bound)}"')
            lines.append(f"{self.name}_bucket{labels} {cumulative}")
        labels = _labels_text(self.label_names, key, 'le="+Inf"')
        lines.append(f"{self.name}_bucket{labels} {child.count}")
        plain = _labels_text(self.label_names, key)
        lines.append(f"{self.name}_sum{plain} {_number(child.sum)}")
        lines.append(f"{self.name}_count{plain} {child.count}")
        return lines


_Family_T = TypeVar("_Family_T", Counter, Gauge, Histogram)


class Metrics:
    """The registry ``/metrics`` renders: ingestion, queue and delivery series side by side.

    >>> metrics = Metrics()
    >>> hits = metrics.counter("demo_hits_total", "Hits.", ["source"])
    >>> hits.labels(source="web").inc()
    >>> print(metrics.render(), end="")
    # HELP demo_hits_total Hits.
    # TYPE demo_hits_total counter
    demo_hits_total{source="web"} 1
    """

    def __init__(self) -> None:
        self._families: dict[str, Counter | Gauge | Histogram] = {}
        self._scrape_hooks: list[Callable[[], Awaitable[None]]] = []

    def counter(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
        return self._add(Counter(name, documentation, labels))

    def gauge(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Gauge:
        return self._add(Gauge(name, documentation, labels))

    def histogram(
        self,
        name: str,
        documentation: str,
        labels: Sequence[str] = (),
        buckets: Sequence[float] = DEFAULT_BUCKETS,
    ) -> Histogram:
        return self._add(Histogram(name, documentation, labels, buckets))

    def on_scrape(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run ``hook`` before each :meth:`scrape`: where gauges read what they show (queue stats)."""
        self._scrape_hooks.append(hook)

    async def scrape(self) -> str:
        """Run the scrape hooks, then :meth:`render`."""
        for hook in self._scrape_hooks:
            await hook()
        return self.render()

    def render(self) -> str:
        """Every metric in the Prometheus text format, in registration order."""
        lines: list[str] = []
        for family in self._families.values():
            lines.extend(family.render())
        return "\n".join(lines) + "\n" if lines else ""

    def _add(self, family: _Family_T) -> _Family_T:
        if family.name in self._families:
            raise ValueError(f"metric {family.name} is registered already")
        self._families[family.name] = family
        return family
