"""The Prometheus text format, as Prometheus's own parser reads it: escaping, histograms, hooks."""

from __future__ import annotations

import asyncio

import pytest
from actions.serve import Metrics


def test_counters_render_by_label_values_sorted() -> None:
    metrics = Metrics()
    requests = metrics.counter("actions_requests_total", "Requests.", ["source", "status"])
    requests.labels(source="web", status="200").inc()
    requests.labels(source="web", status="200").inc(2)
    requests.labels(source="app", status="400").inc()
    assert metrics.render() == (
        "# HELP actions_requests_total Requests.\n"
        "# TYPE actions_requests_total counter\n"
        'actions_requests_total{source="app",status="400"} 1\n'
        'actions_requests_total{source="web",status="200"} 3\n'
    )


def test_label_values_and_help_are_escaped() -> None:
    metrics = Metrics()
    counter = metrics.counter("odd_total", 'Back\\slash and\nnewline "quoted".', ["source"])
    counter.labels(source='a"b\\c\nd').inc()
    assert metrics.render().splitlines() == [
        '# HELP odd_total Back\\\\slash and\\nnewline "quoted".',
        "# TYPE odd_total counter",
        'odd_total{source="a\\"b\\\\c\\nd"} 1',
    ]


def test_gauges_go_both_ways_and_unlabelled_series_have_no_braces() -> None:
    metrics = Metrics()
    gauge = metrics.gauge("queue_pending", "Pending.")
    gauge.labels().set(10)
    gauge.labels().dec(2.5)
    assert metrics.render().splitlines()[-1] == "queue_pending 7.5"


def test_histograms_are_cumulative_with_sum_and_count() -> None:
    metrics = Metrics()
    latency = metrics.histogram("latency_seconds", "Latency.", ["source"], buckets=[0.1, 1])
    child = latency.labels(source="web")
    for value in (0.05, 0.1, 0.5, 3):
        child.observe(value)
    assert metrics.render().splitlines()[2:] == [
        'latency_seconds_bucket{source="web",le="0.1"} 2',
        'latency_seconds_bucket{source="web",le="1"} 3',
        'latency_seconds_bucket{source="web",le="+Inf"} 4',
        'latency_seconds_sum{source="web"} 3.65',
        'latency_seconds_count{source="web"} 4',
    ]


def test_mistakes_are_refused_with_their_name() -> None:
    metrics = Metrics()
    counter = metrics.counter("hits_total", "Hits.", ["source"])
    with pytest.raises(ValueError, match="hits_total is registered already"):
        metrics.gauge("hits_total", "Again.")
    with pytest.raises(ValueError, match="hits_total takes labels source"):
        counter.labels(source="web", write_key="x")
    with pytest.raises(ValueError, match="only goes up"):
        counter.labels(source="web").inc(-1)
    with pytest.raises(ValueError, match="invalid metric name"):
        metrics.counter("bad-name", "x")
    with pytest.raises(ValueError, match="invalid label name"):
        metrics.counter("ok_total", "x", ["le"])
    with pytest.raises(ValueError, match="buckets must increase"):
        metrics.histogram("h", "x", buckets=[1, 0.5])


def test_scrape_runs_the_hooks_first() -> None:
    metrics = Metrics()
    pending = metrics.gauge("queue_pending", "Pending.", ["destination"])

    async def read_queue() -> None:
        pending.labels(destination="amplitude").set(42)

    metrics.on_scrape(read_queue)
    assert 'queue_pending{destination="amplitude"} 42' in asyncio.run(metrics.scrape())
