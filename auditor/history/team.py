"""``audit review --all-projects``: one team-wide review, one row per project.

A team's server holds the runs of many repositories. The weekly review of
one of them is :func:`auditor.history.review.build_review` scoped to its
project; the team review builds that same review for every project that has
runs in the period and puts each one's headline on one row: the metrics
their analyses declare ``headline`` (line and branch coverage, mutation
score...) in their declared order, then the theater gap, each with its
change over the period, how many metrics got worse, and flaky tests. No
analysis or metric is named here: a new analysis's headline metric becomes
a column by its declaration. The numbers are exactly those of each
project's own review (same code, same rounding).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from auditor.history.metrics import THEATER_GAP
from auditor.history.review import MetricChange, Review, build_review
from auditor.history.store import HistoryStore
from auditor.history.text import delta_text, value_text
from auditor.reports import write_atomic

# A headline column: (analysis, metric, column title).
Column = tuple[str, str, str]


@dataclass
class ProjectRow:
    """One project's line of the team review."""

    project: str
    review: Review

    @property
    def runs(self) -> int:
        return len(self.review.runs)

    @property
    def last_run(self) -> str:
        end = self.review.end
        return end.created[:19].replace("T", " ") if end else "-"

    def headline(self, analysis: str, metric: str) -> MetricChange | None:
        return self.review.change(analysis, metric)

    @property
    def worse(self) -> int:
        return sum(1 for c in self.review.changes if c.improved is False)

    @property
    def flaky(self) -> int:
        return len({f.nodeid for f in self.review.flaky})

    def cells(self, columns: list[Column]) -> list[str]:
        cells = [self.project, str(self.runs), self.last_run]
        for analysis, metric, _ in columns:
            change = self.headline(analysis, metric)
            if change is None or change.end is None:
                cells.append("n/a")
            else:
                cells.append(f"{value_text(change.spec, change.end)} ({delta_text(change.delta)})")
        cells += [str(self.worse), str(self.flaky)]
        return cells


def headline_columns(rows: list[ProjectRow]) -> list[Column]:
    """The metrics any project's review declares ``headline``, in declared order; the gap last."""
    found: dict[tuple[str, str], tuple[int, str]] = {}
    gap: Column | None = None
    for row in rows:
        for change in row.review.changes:
            if change.spec is None:
                continue
            if (change.analysis, change.metric) == THEATER_GAP:
                gap = (change.analysis, change.metric, change.spec.label)
            elif change.spec.headline:
                found.setdefault((change.analysis, change.metric),
                                 (change.spec.headline, change.spec.label))
    columns = [(a, m, found[(a, m)][1]) for a, m in sorted(found, key=lambda k: (found[k][0], k))]
    return columns + ([gap] if gap else [])


def header(columns: list[Column]) -> list[str]:
    return ["project", "runs", "last run (UTC)", *(title for _, _, title in columns),
            "metrics worse", "flaky tests"]


def build_team_review(store: HistoryStore, since: str, branch: str | None) -> list[ProjectRow]:
    """One :class:`ProjectRow` per project with runs in the period, by project name."""
    names = [
        str(row[0])
        for row in store.execute(
            "SELECT DISTINCT project FROM runs WHERE created >= ? ORDER BY 1", (since,)
        )
    ]
    rows = [ProjectRow(name, build_review(store, since, branch, project=name)) for name in names]
    return [row for row in rows if row.runs]


@dataclass
class TeamFiles:
    html: Path
    markdown: Path


def _markdown(rows: list[ProjectRow], since: str, branch: str | None) -> str:
    scope = f" on branch {branch}" if branch else ""
    columns = headline_columns(rows)
    head = header(columns)
    lines = [
        "# Team test-effectiveness review",
        "",
        f"{len(rows)} projects with runs since {since[:19].replace('T', ' ')} UTC{scope}.",
        "Each value is the last run of the period, with its change since the first run.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    lines += ["| " + " | ".join(row.cells(columns)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _html(rows: list[ProjectRow], since: str, branch: str | None) -> str:
    scope = f" on branch {html.escape(branch)}" if branch else ""
    columns = headline_columns(rows)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header(columns))
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row.cells(columns))
        + "</tr>"
        for row in rows
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<title>Team test-effectiveness review</title>"
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #bbb;padding:4px 8px;text-align:right}"
        "td:first-child,th:first-child{text-align:left}</style></head><body>"
        "<h1>Team test-effectiveness review</h1>"
        f"<p>{len(rows)} projects with runs since {html.escape(since[:19].replace('T', ' '))}"
        f" UTC{scope}. Each value is the last run of the period, with its change since the"
        " first run.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>\n"
    )


def write_team_review(
    rows: list[ProjectRow], output_dir: Path, since: str, branch: str | None
) -> TeamFiles:
    """Write ``review.html`` and ``review.md`` (the team table) into ``output_dir``."""
    output_dir.mkdir(parents=True, exist_ok=True)
    files = TeamFiles(output_dir / "review.html", output_dir / "review.md")
    write_atomic(files.html, _html(rows, since, branch))
    write_atomic(files.markdown, _markdown(rows, since, branch))
    return files

