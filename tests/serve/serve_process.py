"""A real ``actions serve`` process on a loopback port, delivering to an Amplitude emulator of the test."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

WRITE_KEY = "serve-test-write-key"
API_KEY = "serve-test-api-key"
SECRET_KEY = "serve-test-secret-key"

def pipeline(amplitude_url: str, **delivery: object) -> dict[str, object]:
    """Every type of call reaches Amplitude: the presets run here, plus group and alias (which have none)."""
    from actions_amplitude.destination import PRESETS

    subscriptions: list[dict[str, object]] = [
        {"subscribe": p.subscribe, "action": p.action, **({"mapping": p.mapping} if p.mapping else {})}
        for p in PRESETS
        if p.platform != "web"
    ]
    group_mapping = {
        "group_type": "company",
        "group_value": {"@path": "$.groupId"},
        "group_properties": {"@path": "$.traits"},
    }
    group = {"subscribe": 'type = "group"', "action": "groupIdentifyUser", "mapping": group_mapping}
    subscriptions.append(group)
    subscriptions.append({"subscribe": 'type = "alias"', "action": "mapUser"})
    return {
        "sources": {"web": {"type": "segment", "write_key": WRITE_KEY}},
        "destinations": {
            "amplitude": {
                "settings": {"apiKey": API_KEY, "secretKey": SECRET_KEY},
                "delivery": {"base_url": amplitude_url, **delivery},
                "subscriptions": subscriptions,
            }
        },
    }


def pipeline_text(amplitude_url: str, **delivery: object) -> str:
    return json.dumps(pipeline(amplitude_url, **delivery))


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start(work: Path, config: Path, queue: Path, *args: str) -> Served:
    """Start ``actions serve`` in a session of its own; returns once it listens."""
    port_file = work / f"port-{time.monotonic_ns()}"
    log = work / f"serve-{time.monotonic_ns()}.log"
    command = [
        sys.executable, "-c", "from actions_cli import main; main()", "-v", "serve",
        "--config", str(config), "--port", "0", "--port-file", str(port_file),
        "--queue", f"sqlite:///{queue}", *args,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTIONS_")}
    with log.open("wb") as stream:
        process = subprocess.Popen(
            command, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=stream, start_new_session=True
        )
    served = Served(process, "", log)
    if not wait_until(lambda: port_file.exists() or process.poll() is not None, 60) or process.poll():
        process.kill()
        raise AssertionError(f"actions serve did not start:\n{served.stderr()}")
    served.url = f"http://127.0.0.1:{port_file.read_text(encoding='utf-8')}"
    return served


def stop(served: Served, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(served.process.pid, sig)
    try:
        return served.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(served.process.pid, signal.SIGKILL)
        served.process.wait(timeout=30)
        raise AssertionError(f"actions serve did not stop on {sig}:\n{served.stderr()}") from None


@contextlib.contextmanager
def serving(work: Path, amplitude_url: str, *args: str) -> Iterator[Served]:
    config = work / "pipeline.json"
    config.write_text(pipeline_text(amplitude_url), encoding="utf-8")
    served = start(work, config, work / "queue.db", *args)
    try:
        yield served
    finally:
        if served.process.poll() is None:
            stop(served)
