"""Peak memory of ``actions run`` when events are big: the in-flight buffer's byte budget.

Reading is faster than a slow destination, so the buffer fills; with few, large events the
count limit (``--buffer``, 5,000) never binds and memory follows the bytes held. This writes
``--events`` events of ``--size`` bytes each, delivers them with ``actions run webhook`` (a real
subprocess) to a local server that answers after ``--delay`` seconds, and prints the peak
resident memory of that process for each ``--buffer-bytes`` value (``default``: none given).

Usage::

    python benchmarks/bench_buffer_memory.py
    python benchmarks/bench_buffer_memory.py --events 600 --size 400000 --budgets default,64MiB

Results on the 2-core development machine (600 events of 400 KB, 229 MiB, 0.05 s per request;
an idle ``actions run`` is about 59 MB; before ``--buffer-bytes`` existed the run peaked at 410 MB)::

      --buffer-bytes  peak RSS MB  seconds
                   0          442      8.1
    default (64 MiB)          295      8.1
            16777216          220      8.0
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def _server(delay_s: float) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))  # read and drop
            time.sleep(delay_s)
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _peak_rss_mb(args: list[str]) -> tuple[float, float, int]:
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, time.perf_counter() - start, process.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=600)
    parser.add_argument("--size", type=int, default=400_000, help="bytes per event")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--budgets", default="default,64MiB,16MiB", help="--buffer-bytes values to try")
    options = parser.parse_args()
    server = _server(options.delay)
    with tempfile.TemporaryDirectory() as work:
        events = Path(work) / "events.ndjson"
        with events.open("w") as out:
            for n in range(options.events):
                event = {"type": "track", "event": "Big", "userId": f"u{n}", "messageId": f"m{n}"}
                event["properties"] = {"blob": f"{n:08d}" * (options.size // 8)}
                out.write(json.dumps(event) + "\n")
        settings = Path(work) / "settings.json"
        settings.write_text(json.dumps({"url": f"http://127.0.0.1:{server.server_address[1]}/hook"}))
        print(f"{options.events} events of {options.size:,} bytes ({events.stat().st_size / 2**20:.0f} MiB)")
        print(f"{'--buffer-bytes':>16}  {'peak RSS MB':>11}  {'seconds':>7}  exit")
        for budget in options.budgets.split(","):
            args = [sys.executable, "-c", "from actions_cli import main; main()", "run", "webhook",
                    "--settings", str(settings), "--events", str(events),
                    "--dead-letter", str(Path(work) / "dead.ndjson")]  # fmt: skip
            if budget != "default":
                args += ["--buffer-bytes", budget]
            rss, seconds, code = _peak_rss_mb(args)
            print(f"{budget:>16}  {rss:>11.0f}  {seconds:>7.1f}  {code}")
    server.shutdown()


if __name__ == "__main__":
    main()
