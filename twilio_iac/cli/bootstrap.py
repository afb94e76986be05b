"""export and init: start managing an account that already exists, or a repo."""

from __future__ import annotations

from pathlib import Path

import click

from twilio_iac.cli.context import (
    Options,
    pass_options,
    sandbox_option,
    selected_kinds,
)
from twilio_iac.cli.session import fleet_connect, session
from twilio_iac.errors import ManifestError, TwilioIacError
from twilio_iac.manifests import desired
from twilio_iac.operations import scaffold
from twilio_iac.reconcile import export, fleet_export, live
from twilio_iac.resources import REGISTRY


def _kinds(
    _ctx: click.Context, _param: click.Parameter, given: tuple[str, ...]
) -> tuple[str, ...]:
    """`--kinds a,b --kinds c` → ("a", "b", "c"); none given → every kind."""
    return selected_kinds(given) or tuple(REGISTRY)


@click.command("export")
@click.option(
    "--kinds",
    multiple=True,
    callback=_kinds,
    metavar="KIND[,KIND...]",
    help="Export only these kinds (repeat or comma-separate). Default: all.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("exported"),
    show_default=True,
    help="Directory for the manifests, one <kind>.yaml per kind.",
)
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option(
    "--all-fields/--short",
    default=True,
    show_default=True,
    help="--all-fields writes every writable field, defaults too, so a later "
    "plan shows any change away from them (drift); --short leaves fields equal "
    "to Twilio's defaults out, unmanaged.",
)
@click.option(
    "--all-accounts",
    is_flag=True,
    help="Every subaccount of the credentials' account, each into "
    "OUT/<friendly_name>/, plus OUT/fleet.yaml naming them for --fleet.",
)
@click.option(
    "--parallelism",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="With --all-accounts: most requests in flight at once.",
)
@sandbox_option
@pass_options
def export_command(
    options: Options,
    kinds: tuple[str, ...],
    out: Path,
    force: bool,
    all_fields: bool,
    all_accounts: bool,
    parallelism: int,
) -> None:
    """Write manifests from the live account, so it can be managed as code.

    References are written by name, read-only fields are left out, and `plan`
    on the result shows no changes. Every writable field is written (defaults
    too, so drift away from them shows); --short leaves defaults out. What a
    manifest cannot express faithfully (e.g. two applications with one name)
    is pinned by SID or kept as a comment, and reported here.

    --all-accounts exports every subaccount, several at once, and writes a
    fleet file (OUT/fleet.yaml) with an entry per subaccount, pinned by SID.
    """
    if all_accounts:
        _export_all(options, kinds, out, force, parallelism, all_fields)
        return
    with session(options.sandbox, account_sid=options.account_sid) as client:
        state = live.fetch(client, client.account_sid, kinds)
        account_sid = client.account_sid
    files = export.build(state, kinds, out, account_sid, all_fields)
    export.write(files, force)
    for f in files:
        click.echo(f.summary)
    for note in (note for f in files for note in f.notes):
        click.echo(f"Note: {note}", err=True)
    schema = export.schema_note(out)
    if schema:
        click.echo(f"Note: {schema}", err=True)
    _check(files)
    sandbox = " --sandbox" if options.sandbox else ""
    click.echo(f"\nNext: twilio-iac validate {out} && twilio-iac{sandbox} plan {out}")


def _export_all(
    options: Options,
    kinds: tuple[str, ...],
    out: Path,
    force: bool,
    parallelism: int,
    all_fields: bool,
) -> None:
    if options.account_sid:
        raise click.UsageError(
            "--all-accounts exports every subaccount: drop --account-sid."
        )
    fleet_path = out / fleet_export.FLEET_FILE
    if fleet_path.exists() and not force:
        raise TwilioIacError(
            f"Refusing to overwrite {fleet_path}; nothing was written. Choose "
            "another --out directory, or pass --force to overwrite it."
        )
    with fleet_connect(options.sandbox, parallelism) as connect:
        exported = fleet_export.export_all(connect, kinds, out, parallelism, all_fields)
    done = [e for e in exported if e.error is None]
    export.write([f for e in done for f in e.files], force)
    out.mkdir(parents=True, exist_ok=True)
    fleet_path.write_text(fleet_export.fleet_text(exported), encoding="utf-8")
    for e in done:
        click.echo(f"Exported {e.friendly_name} ({e.sid}) to {out / e.directory}")
        _check(e.files)
    click.echo(f"Wrote {fleet_path}: {len(done)} accounts")
    failed = [e for e in exported if e.error is not None]
    for e in failed:
        first = str(e.error).splitlines()[0]
        click.echo(f"Not exported: {e.friendly_name} ({e.sid}): {first}", err=True)
    sandbox = " --sandbox" if options.sandbox else ""
    click.echo(
        f"\nNext: twilio-iac validate --fleet {fleet_path} && "
        f"twilio-iac{sandbox} plan --fleet {fleet_path}"
    )
    if failed:
        raise SystemExit(1)


def _check(files: list[export.ExportFile]) -> None:
    """The export is only useful if it validates: say so loudly if not."""
    try:
        desired.load([f.path for f in files if f.manifest])
    except ManifestError as exc:
        raise TwilioIacError(
            "The files were written, but they do not validate as manifests; "
            f"fix them by hand (and please report this):\n{exc}"
        ) from exc


@click.command()
@click.argument(
    "directory",
    required=False,
    default=Path("."),
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "--force", is_flag=True, help="Overwrite files that exist (default: keep them)."
)
def init(directory: Path, force: bool) -> None:
    """Create a starter repository in DIRECTORY (default: the current one), or
    add twilio-iac to an existing one: manifests, schemas, the GitHub Actions
    workflow, a pre-commit hook, .gitignore, a README. Files that exist are
    kept (an existing .gitignore gains the lines it lacks); --force overwrites.
    """
    outcome = scaffold.create(directory, force=force)
    click.echo(f"In {directory}:")
    for verb, paths in (
        ("created", outcome.created),
        ("overwrote", outcome.overwritten),
        ("updated", outcome.updated),
        ("kept", outcome.kept),
    ):
        for path in paths:
            added = ", ".join(outcome.ignored) if verb == "updated" else ""
            added = f" (added {added})" if added else ""
            click.echo(f"  {verb:<9} {path.as_posix()}{added}")
    _hints(outcome)
    cd = "" if directory == Path(".") else f"cd {directory}\n  "
    click.echo(
        "\nNext:\n"
        f"  {cd}twilio-iac validate manifests\n"
        "  twilio-iac --sandbox plan manifests   # try it without credentials\n"
        "  twilio-iac plan manifests             # against your account"
    )


def _hints(outcome: scaffold.Outcome) -> None:
    """What a kept file means for the user: the copy they lack, and where it is."""
    if not outcome.kept:
        return
    example = scaffold.ci_example_dir()
    notes = {
        Path(".pre-commit-config.yaml"): "add the hook from "
        f"{example / 'pre-commit-config.yaml'}",
        Path(".github/workflows/twilio-iac.yml"): "compare it with "
        f"{example / 'twilio-iac.yml'}",
        Path("manifests/twilio.yaml"): "your manifests stay as they are (the "
        "starter's example objects are not added to them)",
    }
    for path in outcome.kept:
        if path in notes:
            click.echo(f"  note: {path.as_posix()} was kept: {notes[path]}")
    click.echo("Kept files were left as they are; `init --force` overwrites them.")
