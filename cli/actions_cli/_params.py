"""Option types checked when the command line is parsed, before anything is read or sent."""

from __future__ import annotations

import click
from actions._request import base_url_problem

__all__ = ["BASE_URL"]


class BaseUrl(click.ParamType[str]):
    """``http(s)://host[:port][/path]``: anything else would fail every request, minutes later."""

    name = "URL"

    def convert(self, value: str, param: click.Parameter | None, ctx: click.Context | None) -> str:
        problem = base_url_problem(value)
        if problem is not None:
            self.fail(f"{value!r}: {problem}", param, ctx)
        return value


BASE_URL = BaseUrl()
