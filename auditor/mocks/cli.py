"""``audit rules [ID]``: list the rules of the mocks analysis, or show one."""

from __future__ import annotations

import click

from auditor.errors import EXIT_USAGE
from auditor.mocks.rules import ALL_RULES, RULES


def rules_listing() -> str:
    width = max(len(rule.id) for rule in ALL_RULES)
    lines = [f"{rule.id:<{width}}  {rule.severity:<7}  {rule.message}" for rule in ALL_RULES]
    lines.append("")
    lines.append("Run `audit rules ID` for a rule's rationale and examples; suppress a finding "
                 "with `# audit: ignore[ID] reason`.")
    return "\n".join(lines) + "\n"


@click.command("rules")
@click.argument("rule_id", required=False, metavar="[ID]")
@click.option("--markdown", is_flag=True, help="Print the documentation as Markdown.")
def rules(rule_id: str | None, markdown: bool) -> None:
    """List the mock and test-smell rules, or show one rule with its examples."""
    if rule_id is None:
        if markdown:
            click.echo("\n".join(rule.to_markdown() for rule in ALL_RULES), nl=False)
        else:
            click.echo(rules_listing(), nl=False)
        return
    rule = RULES.get(rule_id)
    if rule is None:
        click.echo(f"audit: error: unknown rule {rule_id!r}; known rules: "
                   f"{', '.join(RULES)}", err=True)
        raise SystemExit(EXIT_USAGE)
    click.echo(rule.to_markdown() if markdown else rule.to_text(), nl=False)
