"""``provisioner`` command line: provision, status, stop, restart, uninstall, usage.

Every expected failure becomes a one-line ``Error: ...`` and exit code 1 (click
usage errors: exit code 2); secrets are redacted from anything printed.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import click

from provisioner import __version__
from provisioner.db import Database, Instance
from provisioner.errors import ProvisionerError
from provisioner.kube import KubeClient
from provisioner.service import Provisioner, utcnow
from provisioner.settings import Settings
from provisioner.tiers import TIERS
from provisioner.usage import DEFAULT_PRICES, compute_bill, compute_usage


@dataclass
class Context:
    """Options shared by all commands."""

    db_path: str
    kubeconfig: str | None
    context: str | None


@contextmanager
def _errors(redact: Callable[[str], str] = lambda text: text) -> Iterator[None]:
    """Turn expected failures into one-line click errors."""
    try:
        yield
    except ProvisionerError as exc:
        raise click.ClickException(redact(str(exc))) from None
    except sqlite3.Error as exc:
        raise click.ClickException(f"database error: {redact(str(exc))}") from None


@contextmanager
def _database(ctx: Context) -> Iterator[Database]:
    with _errors():
        db = Database(ctx.db_path)
    try:
        yield db
    finally:
        db.close()


@contextmanager
def _provisioner(ctx: Context) -> Iterator[Provisioner]:
    with _errors():
        settings = Settings.from_env(os.environ)
    with _errors(settings.redact):
        kube = KubeClient.from_kubeconfig(ctx.kubeconfig, ctx.context, settings)
    with _database(ctx) as db, _errors(settings.redact):
        yield Provisioner(db, kube, settings)


def _line(instance: Instance) -> str:
    reason = f"  ({instance.reason})" if instance.reason else ""
    return (
        f"{instance.tenant}/{instance.name}  tier={instance.tier}  "
        f"status={instance.status.value}  namespace={instance.namespace}{reason}"
    )


@click.group()
@click.option(
    "--db",
    "db_path",
    default="provisioner.db",
    show_default=True,
    envvar="PROVISIONER_DB",
    help="SQLite database file.",
)
@click.option("--kubeconfig", default=None, help="Kubeconfig file (default: the usual lookup).")
@click.option("--context", "kube_context", default=None, help="Kubeconfig context to use.")
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
@click.version_option(version=__version__, prog_name="provisioner")
@click.pass_context
def cli(
    ctx: click.Context, db_path: str, kubeconfig: str | None, kube_context: str | None,
    verbose: bool,
) -> None:
    """Provision SaaS tenant instances on Kubernetes.

    Secrets come from PROVISIONER_API_KEY and PROVISIONER_LICENSE_KEY.
    """
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    ctx.obj = Context(db_path=db_path, kubeconfig=kubeconfig, context=kube_context)


@cli.command()
@click.argument("tenant")
@click.argument("name")
@click.option("--tier", type=click.Choice(sorted(TIERS)), default=None,
              help="Tier of a new instance (default: free).")
@click.pass_obj
def provision(ctx: Context, tenant: str, name: str, tier: str | None) -> None:
    """Create or re-create instance NAME of TENANT and wait until it runs."""
    with _provisioner(ctx) as provisioner:
        click.echo(_line(provisioner.provision(tenant, name, tier)))


@cli.command()
@click.argument("tenant")
@click.argument("name")
@click.pass_obj
def stop(ctx: Context, tenant: str, name: str) -> None:
    """Scale the instance to zero replicas."""
    with _provisioner(ctx) as provisioner:
        click.echo(_line(provisioner.stop(tenant, name)))


@cli.command()
@click.argument("tenant")
@click.argument("name")
@click.pass_obj
def restart(ctx: Context, tenant: str, name: str) -> None:
    """Restart the instance's pods and wait until they are available."""
    with _provisioner(ctx) as provisioner:
        click.echo(_line(provisioner.restart(tenant, name)))


@cli.command()
@click.argument("tenant")
@click.argument("name")
@click.pass_obj
def uninstall(ctx: Context, tenant: str, name: str) -> None:
    """Delete the instance's namespace and wait until it is gone."""
    with _provisioner(ctx) as provisioner:
        click.echo(_line(provisioner.uninstall(tenant, name)))


@cli.command()
@click.argument("tenant", required=False)
@click.option("--events", is_flag=True, help="Also print every recorded transition.")
@click.pass_obj
def status(ctx: Context, tenant: str | None, events: bool) -> None:
    """List instances (all, or TENANT's) from the database."""
    with _database(ctx) as db, _errors():
        instances = db.list_instances(tenant)
        if not instances:
            click.echo("no instances")
        for instance in instances:
            click.echo(_line(instance))
            if events:
                for event in db.events(instance.id):
                    origin = event.from_status.value if event.from_status else "-"
                    click.echo(f"  {event.at.isoformat()}  {origin} -> {event.to_status.value}")


def _parse_time(value: str, option: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO date or time: {value!r}", param_hint=option) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _parse_prices(pairs: tuple[str, ...]) -> dict[str, Decimal]:
    prices = dict(DEFAULT_PRICES)
    for pair in pairs:
        tier, _, amount = pair.partition("=")
        if tier not in TIERS:
            raise click.BadParameter(f"unknown tier in {pair!r}", param_hint="--price")
        try:
            prices[tier] = Decimal(amount)
        except InvalidOperation:
            raise click.BadParameter(f"bad amount in {pair!r}", param_hint="--price") from None
        if not prices[tier].is_finite() or prices[tier] < 0:
            raise click.BadParameter(f"bad amount in {pair!r}", param_hint="--price")
    return prices


@cli.command()
@click.option("--from", "start", required=True, help="Period start (ISO date/time, UTC default).")
@click.option("--to", "end", required=True, help="Period end, exclusive.")
@click.option("--price", "prices", multiple=True, metavar="TIER=AMOUNT",
              help="Price per instance-hour (repeatable).")
@click.pass_obj
def usage(ctx: Context, start: str, end: str, prices: tuple[str, ...]) -> None:
    """Instance-hours per tier and the bill for a period."""
    period_start, period_end = _parse_time(start, "--from"), _parse_time(end, "--to")
    table = _parse_prices(prices)
    with _database(ctx) as db, _errors():
        result = compute_usage(db.list_instances(), db.events(), period_start, period_end, utcnow())
        bill = compute_bill(result, table)
    for line in bill.lines:
        click.echo(f"{line.tier:<13} {line.hours:>12.4f} h  x {line.price}  = {line.amount}")
    click.echo(f"{'total':<13} {bill.total}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="provisioner")
