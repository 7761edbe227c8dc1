"""Shell completion, exactly as docs/cli.md tells users to enable it, in a real `actions` process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
ACTIONS = Path(sys.executable).parent / "actions"


def documented() -> dict[str, str]:
    """The completion script variable each shell's documented line sets: ``{"bash": "bash_source"}``."""
    found = re.findall(
        r"_ACTIONS_COMPLETE=((bash|zsh|fish)_source) actions", PAGE.read_text(encoding="utf-8")
    )
    return {shell: value for value, shell in found}


def actions(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ACTIONS)], env={**os.environ, **env}, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_cli_reference_documents_completion_for_bash_zsh_and_fish() -> None:
    assert set(documented()) == {"bash", "zsh", "fish"}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_documented_line_prints_a_completion_script(shell: str) -> None:
    done = actions({"_ACTIONS_COMPLETE": documented().get(shell, f"{shell}_source")})
    assert done.returncode == 0, done.stderr
    assert "_actions_completion" in done.stdout
    assert f"_ACTIONS_COMPLETE={shell}_complete" in done.stdout


def test_the_script_completes_commands_and_options() -> None:
    def complete(words: str) -> list[str]:
        done = actions(
            {
                "_ACTIONS_COMPLETE": "bash_complete",
                "COMP_WORDS": words,
                "COMP_CWORD": str(len(words.split()) - 1),
            }
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert "plain,plugins" in complete("actions pl")
    assert "plain,--dead-letter" in complete("actions run --dead")
