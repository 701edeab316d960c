"""The ``pwc-archive`` command: build, list, download and verify releases.

Exit codes (every command):
  0  success
  1  the data is bad: a release does not verify, or the validation gate failed
  2  usage, configuration, input or I/O error (the message says which file and what to do)

Errors are one line on stderr (``error: ...``), never a traceback. Heavy imports
(DuckDB, Great Expectations) happen only inside the commands that need them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from transforms.errors import PwcError

app = typer.Typer(
    help="Versioned, licensed releases of the Papers with Code archive (data: CC BY-SA 4.0).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
release_app = typer.Typer(help="Build, list, download and verify releases.", no_args_is_help=True)
app.add_typer(release_app, name="release")


def _fail(exc: PwcError) -> None:
    first, *rest = str(exc).splitlines() or [type(exc).__name__]
    typer.echo(f"error: {first}", err=True)
    for line in rest:
        typer.echo(f"  {line}", err=True)
    raise typer.Exit(exc.exit_code)


@release_app.command("build")
def release_build(
    source: Annotated[
        Path | None, typer.Option(help="Directory with the archive dumps [default: the bundled sample].")
    ] = None,
    store: Annotated[
        str | None, typer.Option(help="Release store: a directory or an fsspec URL [default: releases/].")
    ] = None,
    release_id: Annotated[
        str | None, typer.Option(help="Release id YYYY-MM-DD.N [default: today, next free N].")
    ] = None,
    work: Annotated[
        str | None, typer.Option(help="Work directory for intermediate files [default: .work/].")
    ] = None,
    keep_work: Annotated[bool, typer.Option(help="Keep the work directory after publishing.")] = False,
) -> None:
    """Build and publish a release in this process (the nightly DAG's stages, no scheduler).

    Prints the release id on stdout; stage timings go to stderr.
    """
    from rich.console import Console

    from transforms.config import Settings
    from transforms.pipeline import build_release

    console = Console(stderr=True)
    try:
        settings = Settings.load(source=str(source) if source else None, store=store, work=work)
        result = build_release(
            settings,
            release_id=release_id,
            keep_work=keep_work,
            on_stage=lambda stage, secs: console.print(f"[green]✓[/] {stage:<9} {secs:6.1f} s"),
        )
    except PwcError as exc:
        _fail(exc)
        return
    console.print(f"published {result.release_id} → {result.location}")
    typer.echo(result.release_id)


@release_app.command("list")
def release_list(
    from_: Annotated[
        str | None,
        typer.Option("--from", help="Store: directory, fsspec URL or http(s) base URL [default: releases/]."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the index entries as JSON.")] = False,
) -> None:
    """List the releases in a store, oldest first; the latest is marked."""
    import json

    from transforms.client.store import list_releases, resolve_release_id
    from transforms.config import Settings

    try:
        store = from_ or Settings.load().store
        entries = list_releases(store)
        latest = resolve_release_id(store, "latest") if entries else None
    except PwcError as exc:
        _fail(exc)
        return
    if as_json:
        typer.echo(json.dumps([e.__dict__ for e in entries], indent=2, sort_keys=True))
        return
    if not entries:
        typer.echo("no releases")
        return
    for e in entries:
        mark = "  (latest)" if e.release_id == latest else ""
        rows = e.tables.get("results", 0)
        typer.echo(f"{e.release_id:<14} {e.created_at}  schema {e.schema_version}  {rows:>8,} results{mark}")


@release_app.command("download")
def release_download(
    release: Annotated[str, typer.Argument(help="A release id, or 'latest'.")],
    from_: Annotated[str, typer.Option("--from", help="Store: directory, fsspec URL or http(s) base URL.")],
    to: Annotated[
        Path, typer.Option(help="Directory to download into (the release lands in <to>/<id>).")
    ] = Path("."),
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Download a release, checking every file's sha256; an interrupted run resumes."""
    from transforms.client.download import download_release

    try:
        path = download_release(from_, release, to, progress=progress and sys.stderr.isatty())
    except PwcError as exc:
        _fail(exc)
        return
    typer.echo(str(path))


@release_app.command("verify")
def release_verify(
    directory: Annotated[Path, typer.Argument(help="A release directory (with manifest.json).")],
) -> None:
    """Check every file of a release against its manifest: exit 0 intact, 1 not."""
    from transforms.client.verify import verify_release

    try:
        report = verify_release(directory)
    except PwcError as exc:
        _fail(exc)
        return
    if report.ok:
        typer.echo(f"ok: {directory}: {report.checked} files match manifest.json")
        return
    for problem in report.problems:
        typer.echo(f"FAILED {problem}", err=True)
    typer.echo(f"error: {directory}: {len(report.problems)} problem(s); the release is not intact", err=True)
    raise typer.Exit(1)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
