"""Switch every route of a routes file to one mode, as an operator would between stages."""

from __future__ import annotations

import os
import re
from pathlib import Path


def set_routes_mode(
    path: Path, mode: str, *, percent: int | None = None, sticky: str | None = None
) -> None:
    """Put every route of a routes file in `mode`; a canary also gets `percent` and `sticky`.

    The new file replaces the old one in one rename, so a proxy watching it
    never reads half a file.
    """
    text = re.sub(r"(?m)^(?:percent|sticky) = .*\n?", "", path.read_text())
    lines = [f'mode = "{mode}"']
    if percent is not None:
        lines.append(f"percent = {percent}")
    if sticky is not None:
        lines.append(f'sticky = "{sticky}"')
    block = "\n".join(lines)
    text = re.sub(r'(?m)^mode = ".*"$', lambda _: block, text)
    staged = path.with_name(path.name + ".new")
    staged.write_text(text)
    os.replace(staged, path)
