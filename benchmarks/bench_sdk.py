"""``actions run amplitude`` against a script using Amplitude's own Python SDK, end to end.

Both deliver the same track events (an NDJSON file of Segment calls) to the same local
Amplitude-like HTTP server, each as a whole process, runs interleaved. The SDK script does the
least a user would write: parse each line, fill the SDK's ``BaseEvent`` with the fields
``actions`` sends (ids, event type, time, insert_id, properties, ip), ``track`` it, and
``shutdown()`` at the end (which flushes). ``actions`` maps with the destination's default
mapping, validates, batches and accounts for every event.

The server costs little (it counts the events of each request and answers Amplitude's success
body) and runs in its own process; its CPU is printed apart.

The SDK (amplitude-analytics, pinned below) is installed into an environment of its own, made
on first use (``--sdk-venv``); nothing else needs it.

Usage::

    python benchmarks/bench_sdk.py                      # 200,000 events, 3 interleaved rounds
    python benchmarks/bench_sdk.py --events 20000 --rounds 1
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_run import actions_command, write_events  # the same events and runs as bench_run.py

SDK_REQUIREMENT = "amplitude-analytics==1.3.0"
DEFAULT_SDK_VENV = Path.home() / ".cache" / "actions-benchmarks" / "amplitude-sdk"

SERVER = r"""
import json, os, signal, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

received = [0, 0]  # events, requests


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        count = len(json.loads(body).get("events", ()))
        received[0] += count
        received[1] += 1
        answer = json.dumps(
            {"code": 200, "events_ingested": count, "payload_size_bytes": len(body),
             "server_upload_time": int(time.time() * 1000)}
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True


def stop(*_):
    cpu = os.times()
    print(json.dumps({"events": received[0], "requests": received[1], "cpu_s": cpu.user + cpu.system}),
          flush=True)
    os._exit(0)


signal.signal(signal.SIGTERM, stop)
print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
"""

SDK_SCRIPT = r"""
import json, sys
from datetime import datetime
from amplitude import Amplitude, BaseEvent, Config

events_path, url, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = Amplitude("bench-api-key", Config(server_url=url + "/2/httpapi", flush_queue_size=batch))
with open(events_path, encoding="utf-8") as lines:
    for line in lines:
        call = json.loads(line)
        context = call.get("context") or {}
        stamp = datetime.fromisoformat(call["timestamp"].replace("Z", "+00:00"))
        client.track(
            BaseEvent(
                event_type=call["event"],
                user_id=call.get("userId"),
                device_id=call.get("anonymousId"),
                time=int(stamp.timestamp() * 1000),
                insert_id=call.get("messageId"),
                event_properties=call.get("properties") or {},
                ip=context.get("ip"),
            )
        )
client.shutdown()
"""


def ensure_sdk(venv: Path) -> Path:
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import amplitude"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"installing {SDK_REQUIREMENT} into {venv} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", SDK_REQUIREMENT], check=True)
    return python


def start_server() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http"):
        process.kill()
        raise SystemExit(f"the server did not start (said {url!r})")
    return process, url


def stop_server(process: subprocess.Popen[str]) -> dict[str, Any]:
    process.terminate()
    assert process.stdout is not None
    line = process.stdout.readline()
    process.wait()
    return dict(json.loads(line))


def timed(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, the process and its children) and exit code."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    return wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are printed")
    parser.add_argument("--sdk-venv", type=Path, default=DEFAULT_SDK_VENV)
    parser.add_argument("--sdk-batch", type=int, default=1000, help="the SDK's flush_queue_size")
    args = parser.parse_args()
    sdk_python = ensure_sdk(args.sdk_venv)
    with tempfile.TemporaryDirectory(prefix="bench-sdk-") as tmp:
        workdir = Path(tmp)
        events = workdir / "events.ndjson"
        write_events(events, args.events, "track")
        (workdir / "sdk.py").write_text(SDK_SCRIPT, encoding="utf-8")
        variants: dict[str, Any] = {
            "amplitude-analytics SDK": lambda url: [
                str(sdk_python), str(workdir / "sdk.py"), str(events), url, str(args.sdk_batch)
            ],
            "actions run": lambda url: actions_command(workdir, events, url, ["--workers", "1"]),
            "actions run --workers 2": lambda url: actions_command(workdir, events, url, ["--workers", "2"]),
        }
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in variants}
        order = list(variants)
        for round_number in range(args.rounds):
            random.Random(round_number).shuffle(order)
            for name in order:
                server, url = start_server()
                try:
                    wall, cpu, code = timed(variants[name](url))
                finally:
                    received = stop_server(server)
                if code != 0 or received["events"] != args.events:
                    raise SystemExit(
                        f"{name}: exit {code}, the server received {received['events']:,} of {args.events:,}"
                    )
                results[name].append((args.events / wall, cpu / args.events * 1e6, received["cpu_s"]))
        print(
            f"{args.events:,} track events -> local Amplitude-like server; cpus={os.cpu_count()}; "
            f"medians of {args.rounds} interleaved round(s)"
        )
        print(f"{'':26}{'events/s':>10}{'CPU µs/event':>14}{'server CPU s':>14}{'vs SDK':>8}")
        sdk_rate = statistics.median(rate for rate, _, _ in results["amplitude-analytics SDK"])
        for name, runs in results.items():
            rate = statistics.median(r for r, _, _ in runs)
            cpu = statistics.median(c for _, c, _ in runs)
            server_cpu = statistics.median(s for _, _, s in runs)
            spread = f" (runs: {', '.join(f'{r:,.0f}' for r, _, _ in runs)})" if len(runs) > 1 else ""
            print(f"{name:26}{rate:>10,.0f}{cpu:>14.0f}{server_cpu:>14.1f}{rate / sdk_rate:>7.2f}x{spread}")


if __name__ == "__main__":
    main()
