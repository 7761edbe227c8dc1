"""The run report: counts and their JSON form."""

from __future__ import annotations

import json
from pathlib import Path

from actions.delivery import ActionReport, DestinationReport, Report


def test_json_report_has_the_required_counts_overall_and_per_action(tmp_path: Path) -> None:
    report = Report(
        "amplitude",
        "run1",
        events_in=10,
        delivered=6,
        filtered=3,
        dead_lettered=1,
        requests=4,
        retries=2,
        elapsed_s=2.0,
    )
    report.destinations["amplitude"] = DestinationReport("amplitude", events_in=10, delivered=6)
    report.destinations["amplitude"].action("logEvent").delivered = 6
    path = tmp_path / "out" / "report.json"
    report.write(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("events_in", "delivered", "filtered", "dead_lettered", "requests", "retries", "elapsed_s"):
        assert key in data
    assert data["events_per_second"] == 5.0
    assert data["actions"]["logEvent"] == {
        "events_in": 0,
        "delivered": 6,
        "dead_lettered": 0,
        "requests": 0,
        "retries": 0,
    }
    assert data["destinations"]["amplitude"]["delivered"] == 6
    assert Report.from_dict(data) == report
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_in_flight_is_what_is_not_settled_yet() -> None:
    report = Report("x", "r", events_in=6, delivered=1, filtered=1, dead_lettered=1, left=1)
    assert report.in_flight == 2


def test_actions_are_keyed_by_action_for_one_destination_and_by_destination_too_for_several() -> None:
    report = Report("x", "r", destinations={"x": DestinationReport("x")})
    stats = report.destinations["x"].action("a")
    assert report.destinations["x"].action("a") is stats
    assert report.actions == {"a": stats}
    report.destinations["y"] = DestinationReport("webhook")
    other = report.destinations["y"].action("a")
    assert report.actions == {"x/a": stats, "y/a": other}
    assert isinstance(other, ActionReport)
