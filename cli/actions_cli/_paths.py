"""Output paths checked before a run reads any event: a file that cannot be written is found first.

Permission bits do not stop root, so the check tries for real (opens the file for appending, or
creates and removes a file beside it) instead of asking ``os.access``. It changes nothing: a file
that exists is not modified, and no folder is created.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from actions import ConfigurationError

__all__ = ["check_output"]


def check_output(path: str | Path, what: str, *, appended: bool = False) -> None:
    """Raise a one-line :class:`ConfigurationError` naming ``what`` and ``path`` if it cannot be written.

    Args:
        path: The file the run will write.
        what: How the user gave it (``--report``, ``--dead-letter``...), for the message.
        appended: The file is appended to (dead letters): an existing one must take writes. Files
            replaced atomically (report, checkpoint) need their folder writable instead.
    """
    target = Path(path)

    def refuse(reason: str) -> ConfigurationError:
        return ConfigurationError(f"{what} {path} cannot be written: {reason}")

    if target.is_dir():
        raise refuse("it is a folder")
    if appended and target.exists():
        try:
            with open(target, "a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise refuse(exc.strerror or str(exc)) from None
        return
    folder = target.parent
    while not folder.exists() and folder != folder.parent:  # created by the run: check where it would be
        folder = folder.parent
    if not folder.is_dir():
        raise refuse(f"{folder} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".actions-check-", dir=folder)
    except OSError as exc:
        raise refuse(f"cannot create files in {folder}: {exc.strerror or exc}") from None
    os.close(fd)
    os.unlink(probe)
