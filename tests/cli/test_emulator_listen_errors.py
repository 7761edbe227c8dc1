"""``actions emulator`` that cannot listen (port taken, unknown or foreign host): one line, exit 2."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest


def actions_emulator(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from actions_cli import main; main()", "emulator", "amplitude", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = actions_emulator("--port", str(port))
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"Error: cannot serve the amplitude emulator on 127.0.0.1:{port}: Address already in use "
        "(another program listens there; --port 0 picks a free port)"
    ]
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("no-such-host.invalid", ""),  # resolving fails ("Name or service not known"; resolvers vary)
        ("192.0.2.1", "Cannot assign requested address"),  # an address of no interface here
    ],
)
def test_a_host_it_cannot_listen_on_is_one_line_and_exit_2(host: str, reason: str) -> None:
    """The resolver's own reason is kept."""
    done = actions_emulator("--host", host)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"Error: cannot serve the amplitude emulator on {host}:0: "), line
    assert reason in line and "Traceback" not in done.stderr
