"""`# pipecheck: ignore[PC101]` comments, and which of them were never needed.

A comment at the end of a line covers that line; a comment on a line of its own covers the
next line that holds something. `# pipecheck: ignore-file[PC401]` covers the whole file.
Without brackets, every rule is ignored there.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipecheck.textproto.tokens import Comment

_DIRECTIVE = re.compile(r"#\s*pipecheck:\s*(?P<kind>ignore-file|ignore)\b(?:\[(?P<codes>[^\]]*)\])?")


@dataclass
class Suppression:
    file: Path
    comment_line: int
    comment_column: int
    target_line: int | None  # None: the whole file
    selectors: tuple[str, ...]  # empty: every rule
    used: bool = False
    text: str = ""

    def covers_rule(self, rule) -> bool:
        return not self.selectors or any(rule.matches(selector) for selector in self.selectors)


@dataclass
class Suppressions:
    """The comments of every file, indexed by (file, line): each finding looks at its own line's only.

    50,000 comments and as many findings cost each a dictionary look-up, not a pass over all
    comments, and an own-line comment finds the line it covers from a table built once per file.
    """

    items: list[Suppression] = field(default_factory=list)
    _by_line: dict[tuple[str, int | None], list[Suppression]] = field(default_factory=dict, repr=False)
    _real: dict[str, str] = field(default_factory=dict, repr=False)

    def add_file(self, path: Path, comments: list[Comment], line_count: int, lines_with_content: set[int]) -> None:
        following = _next_content_lines(line_count, lines_with_content)
        real = self._real_path(path)
        for comment in comments:
            directive = _directive(comment.text)
            if directive is None:
                continue
            kind, selectors, text = directive
            if kind == "ignore-file":
                target = None
            elif comment.own_line:
                target = following[comment.line] if comment.line < len(following) else None
                if target is None:
                    continue
            else:
                target = comment.line
            item = Suppression(path, comment.line, comment.column, target, selectors, text=text)
            self.items.append(item)
            self._by_line.setdefault((real, target), []).append(item)

    def suppresses(self, finding, rule) -> bool:
        real = self._real_path(finding.file)
        hit = False
        for item in self._by_line.get((real, None), []) + self._by_line.get((real, finding.line), []):
            if item.covers_rule(rule):
                item.used = True
                hit = True
        return hit

    def unused(self) -> list[Suppression]:
        return [item for item in self.items if not item.used]

    def _real_path(self, path) -> str:
        key = str(path)
        if key not in self._real:
            self._real[key] = os.path.realpath(key)
        return self._real[key]


@lru_cache(maxsize=1024)
def _directive(comment: str) -> tuple[str, tuple[str, ...], str] | None:
    """(kind, selectors, the directive's text) of a comment that is one, read once a spelling: a config repeats
    the same few comments (50,000 times `# pipecheck: ignore[PC101]` costs one reading)."""
    match = _DIRECTIVE.search(comment)
    if match is None:
        return None
    selectors = tuple(s.strip() for s in (match.group("codes") or "").split(",") if s.strip())
    return match.group("kind"), selectors, match.group(0)


def _next_content_lines(line_count: int, lines_with_content: set[int]) -> list[int | None]:
    """For each line number, the first line after it that holds something (None past the last)."""
    following: list[int | None] = [None] * (line_count + 2)
    upcoming = None
    for number in range(line_count, -1, -1):
        following[number] = upcoming
        if number in lines_with_content:
            upcoming = number
    return following
