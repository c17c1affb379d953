"""The source of a small analysis that lives outside our package (for test_new_analysis).

It counts ``TODO`` comments in the packages' source. It follows the
walkthrough "How to add an analysis" of ``docs/architecture.md`` step by
step: one module with its result (metrics and findings in the contract), its
schema parts, its gate rule and its report partials, registered through the
``test_auditor.analyses`` entry point of its own distribution. The test
writes these texts into a folder that only the audit's subprocess sees.
"""

from __future__ import annotations

import json

ANALYSIS_MODULE = '''
"""TODO comments in the code under audit: a third-party analysis."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from auditor.analysis import GateRule
from auditor.findings import Finding, fingerprint
from auditor.metrics import COUNT, LOWER, Metric, MetricSpec
from auditor.schema_parts import COUNT as COUNT_SCHEMA

METRICS = {
    "todo_comments": MetricSpec(COUNT, LOWER, "TODO comments",
                                alarm="{value} TODO comments are left."),
}


@dataclass
class TodoResult:
    name: ClassVar[str] = "todo"
    todos: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"todos": list(self.todos), "todo_count": len(self.todos)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TodoResult":
        return cls(todos=list(data["todos"]))

    def headline_metrics(self) -> dict[str, Metric]:
        return {"todo_comments": METRICS["todo_comments"].of(len(self.todos))}

    def module_metrics(self) -> dict[str, dict[str, Metric]]:
        per: dict[str, int] = {}
        for todo in self.todos:
            per[todo["path"]] = per.get(todo["path"], 0) + 1
        return {p: {"todo_comments": METRICS["todo_comments"].of(n)} for p, n in per.items()}

    def finding_counts(self) -> dict[str, int]:
        return {"todo-comment": len(self.todos)}

    def report_findings(self) -> list[Finding]:
        return [
            Finding(analysis="todo", rule="todo-comment", severity="warning",
                    path=t["path"], line=t["line"], message=t["text"],
                    fingerprint=fingerprint("todo-comment", t["path"], t["text"]),
                    title="a TODO comment is left in the code",
                    help="Do it, or file it in the issue tracker.")
            for t in self.todos
        ]


class TodoAnalysis:
    name: ClassVar[str] = "todo"
    command: ClassVar[str] = "todo"
    title: ClassVar[str] = "TODO comments"
    help: ClassVar[str] = "TODO comments left in the code."
    needs_test_run: ClassVar[bool] = False
    needs_coverage: ClassVar[bool] = False
    stage_lock: ClassVar[str] = ""
    config_schema: ClassVar[dict[str, Any]] = {"marker": {"type": "string", "minLength": 1}}
    gate_schema: ClassVar[dict[str, Any]] = {"max_todos": COUNT_SCHEMA}
    result_type: ClassVar[type[TodoResult]] = TodoResult
    metrics: ClassVar[dict[str, MetricSpec]] = METRICS
    template_dir: ClassVar[Path] = Path(__file__).parent / "todo_templates"
    report_schema: ClassVar[Path] = Path(__file__).parent / "todo.schema.json"

    def run(self, ctx: Any) -> TodoResult:
        marker = ctx.config.section("todo").get("marker", "TODO")
        todos = []
        for package in ctx.packages:
            files = [package.path] if package.path.is_file() else sorted(package.path.rglob("*.py"))
            for path in files:
                lines = path.read_text(encoding="utf-8").splitlines()
                for number, line in enumerate(lines, start=1):
                    if "# " + marker in line:
                        todos.append({"path": path.relative_to(ctx.root).as_posix(),
                                      "line": number, "text": line.split("#", 1)[1].strip()})
        return TodoResult(todos=todos)

    def gate_rules(self, gate: dict[str, Any], result: dict[str, Any]) -> list[GateRule]:
        if "max_todos" not in gate:
            return []
        return [GateRule("max_todos", "todo", "TODO comments at most", ("todo_count",), "<=",
                         gate["max_todos"], percent=False)]

    def cli_options(self) -> list[Any]:
        return []
'''

HTML_PARTIAL = (
    '<ul id="todo-list">{% for t in a.todos %}'
    '<li data-line="{{ t.line }}">{{ t.path }}:{{ t.line }} {{ t.text }}</li>'
    "{% endfor %}</ul>\n"
)
MD_PARTIAL = """{% for t in a.todos %}- TODO at {{ t.path }}:{{ t.line }}
{% endfor %}"""

DIST_FILES = {
    "todo_plugin-1.0.dist-info/METADATA": (
        "Metadata-Version: 2.1\nName: todo-plugin\nVersion: 1.0\n"
    ),
    "todo_plugin-1.0.dist-info/entry_points.txt": (
        "[test_auditor.analyses]\ntodo = todo_analysis:TodoAnalysis\n"
    ),
    "todo_analysis.py": ANALYSIS_MODULE,
    "todo.schema.json": json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:test-auditor:todo",
        "type": "object",
        "required": ["todos", "todo_count"],
        "properties": {"todo_count": {"type": "integer", "minimum": 0}},
    }),
    "todo_templates/html/todo.html.j2": HTML_PARTIAL,
    "todo_templates/md/todo.md.j2": MD_PARTIAL,
}
