"""The ``pwc-archive`` command: build, list, download, verify and compare releases.

Exit codes (every command):
  0    success
  1    the data is bad: a release does not verify, or the validation gate failed
  2    usage, configuration, input or I/O error (the message says which file and what to do;
       a missing optional package is named with the command that installs it)
  130  interrupted (Ctrl-C): nothing incomplete is left visible

Errors are one line on stderr (``error: ...``), never a traceback, with control characters
shown escaped (a server's or a file's name cannot drive the terminal). Heavy imports (DuckDB,
Great Expectations) happen only inside the commands that need them: list, download, verify,
diff and ``release path`` need only the light client's packages.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from transforms import __version__
from transforms.errors import MissingDependency, PwcError

# rich_markup_mode=None: plain help, in which every "[default: ...]" stays visible.
app = typer.Typer(
    help="Versioned, licensed releases of the Papers with Code archive (data: CC BY-SA 4.0).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
release_app = typer.Typer(
    help="Build, list, download, verify and compare releases.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(release_app, name="release")
submission_app = typer.Typer(
    help="Validate community submissions, run the intake, look up a submission's status.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(submission_app, name="submission")

PIPELINE_MODULES = {
    "airflow": "apache-airflow",
    "great_expectations": "great-expectations",
    "pandas": "pandas",
    "ijson": "ijson",
    "yaml": "pyyaml",
    "jsonschema": "jsonschema",
    "referencing": "jsonschema",
    "huggingface_hub": "huggingface-hub",
    "mlcroissant": "mlcroissant",
}
"""Modules only the ``pipeline`` extra installs (building releases, validating submissions)."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\x1b``): safe to print on a terminal."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


_reported: list[PwcError] = []
"""The failure a command reported (so that main does not add a second line for it)."""


def _fail(exc: PwcError) -> None:
    _reported.append(exc)
    first, *rest = str(exc).splitlines() or [type(exc).__name__]
    typer.echo(f"error: {printable(first)}", err=True)
    for line in rest:
        typer.echo(f"  {printable(line)}", err=True)
    raise typer.Exit(exc.exit_code)


def missing_dependency(exc: ModuleNotFoundError) -> MissingDependency:
    """The one-line error for a package that is not installed, naming what to install."""
    module = (exc.name or "").split(".")[0]
    if module in PIPELINE_MODULES:
        return MissingDependency(
            f"this command needs {PIPELINE_MODULES[module]!r}, which comes with the pipeline extra: "
            "pip install 'pwc-archive[pipeline]'"
        )
    return MissingDependency(f"this command needs the Python package {module!r}: pip install {module}")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pwc-archive {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Versioned, licensed releases of the Papers with Code archive (data: CC BY-SA 4.0)."""


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
    force: Annotated[
        bool,
        typer.Option("--force", help="Build and publish even when nothing changed since the latest release."),
    ] = False,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            help="DuckDB memory limit of every stage, e.g. 2GB; past it DuckDB spills [default: 1GB]."
        ),
    ] = None,
) -> None:
    """Build and publish a release in this process (the nightly DAG's stages, no scheduler).

    Prints the release id on stdout; stage timings go to stderr. When the inputs, accepted
    submissions, rules, schema and code equal those of the latest release, nothing is built or
    published (one line on stderr says so, exit 0) unless --force.
    """
    from rich.console import Console

    from transforms.config import Settings
    from transforms.pipeline import build_release

    console = Console(stderr=True)
    try:
        settings = Settings.load(
            source=str(source) if source else None, store=store, work=work, memory_limit=memory_limit
        )
        result = build_release(
            settings,
            release_id=release_id,
            keep_work=keep_work,
            on_stage=lambda stage, secs: console.print(f"[green]✓[/] {stage:<9} {secs:6.1f} s"),
            skip_unchanged=not force,
        )
    except PwcError as exc:
        _fail(exc)
        return
    if result.skipped:
        console.print(f"nothing published: {result.skipped}", markup=False, highlight=False, soft_wrap=True)
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
        line = f"{e.release_id:<14} {e.created_at}  schema {e.schema_version}  {rows:>8,} results{mark}"
        typer.echo(printable(line))  # created_at and schema_version are the store's own text


@release_app.command("download")
def release_download(
    release: Annotated[str, typer.Argument(help="A release id, or 'latest'.")],
    from_: Annotated[str, typer.Option("--from", help="Store: directory, fsspec URL or http(s) base URL.")],
    to: Annotated[
        Path, typer.Option(help="Directory to download into (the release lands in <to>/<id>).")
    ] = Path("."),
    table: Annotated[
        list[str] | None,
        typer.Option(
            "--table",
            help="Fetch only this table's Parquet file (with the manifest, licence and dataset card); "
            "repeat for more.",
            show_default="every file",
        ),
    ] = None,
    jobs: Annotated[int, typer.Option(min=1, max=32, help="Files fetched at once.")] = 4,
    deadline: Annotated[
        float, typer.Option(min=1, help="Give up after this many seconds in all (a rerun resumes).")
    ] = 21600.0,
    min_rate: Annotated[
        float,
        typer.Option(min=0, help="Give up on a transfer slower than this many bytes/s over --rate-window."),
    ] = 1024.0,
    rate_window: Annotated[
        float,
        typer.Option(min=0.1, help="Seconds over which --min-rate is judged (and the longest silence)."),
    ] = 30.0,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Download a release, checking every file's sha256; an interrupted run resumes.

    Prints the release directory. Connection errors and busy servers (429/5xx) are retried
    with back-off, a broken transfer resumes where it stopped; Ctrl-C leaves nothing
    incomplete visible (what was fetched waits, hidden, for the next run).
    """
    from transforms.client.download import download_release
    from transforms.storage import TransferLimits

    limits = TransferLimits(deadline=deadline, min_rate=min_rate, window=rate_window)
    try:
        path = download_release(
            from_,
            release,
            to,
            progress=progress and sys.stderr.isatty(),
            tables=table or (),
            jobs=jobs,
            limits=limits,
        )
    except PwcError as exc:
        _fail(exc)
        return
    typer.echo(str(path))


@release_app.command("path")
def release_path(
    release: Annotated[str, typer.Argument(help="A release id, or 'latest'.")] = "latest",
    store: Annotated[
        str | None,
        typer.Option(
            help="Store or download folder: directory, fsspec URL or http(s) base URL.",
            show_default="releases/",
        ),
    ] = None,
) -> None:
    """Print where a release is: its directory in a local store or download folder, else its URL.

    For pasting into loaders: duckdb.connect(f"{path}/pwc.duckdb"), pd.read_parquet(...).
    """
    from transforms.client.store import release_location
    from transforms.config import Settings

    try:
        where = release_location(store or Settings.load().store, release)
    except PwcError as exc:
        _fail(exc)
        return
    typer.echo(where)


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
        typer.echo(f"FAILED {printable(problem)}", err=True)
    typer.echo(
        f"error: {printable(str(directory))}: {len(report.problems)} problem(s); the release is not intact",
        err=True,
    )
    raise typer.Exit(1)


@release_app.command("diff")
def release_diff(
    old: Annotated[str, typer.Argument(help="The release to compare with (older): an id, or 'latest'.")],
    new: Annotated[str, typer.Argument(help="The release to compare (newer): an id, or 'latest'.")],
    store: Annotated[
        str | None,
        typer.Option(help="Store: directory, fsspec URL or http(s) base URL [default: releases/]."),
    ] = None,
    format_: Annotated[str, typer.Option("--format", help="text (readable report) or json.")] = "text",
    changes: Annotated[
        int,
        typer.Option("--changes", min=0, help="Also list the first N ids of each kind of change per table."),
    ] = 0,
) -> None:
    """What changed from release OLD to release NEW: rows added, removed, merged, changed per table.

    Rows are matched on each table's stable id; a schema change (columns added or
    removed) is reported once, not as a change of every row. A remote store's
    Parquet files are fetched and checked against the manifest first.
    """
    if format_ not in ("text", "json"):
        typer.echo(f"error: --format: expected text or json, found {format_!r}", err=True)
        raise typer.Exit(2)
    import json

    from transforms.client.diff import diff_store_releases, first_changes, render_text
    from transforms.config import Settings

    try:
        diff, rows = diff_store_releases(store or Settings.load().store, old, new)
    except PwcError as exc:
        _fail(exc)
        return
    listed = first_changes(rows, changes)
    if format_ == "json":
        report = diff.to_json_dict()
        if changes:
            report["changes"] = listed
        typer.echo(json.dumps(report, indent=2, sort_keys=True))
    else:
        typer.echo(render_text(diff, listed), nl=False)


@submission_app.command("validate")
def submission_validate(
    paths: Annotated[
        list[Path], typer.Argument(help="Submission files, or directories (every file in them, recursively).")
    ],
    format_: Annotated[
        str, typer.Option("--format", help="text (readable report) or json (for bots).")
    ] = "text",
    store: Annotated[
        str | None,
        typer.Option(
            help="Release store whose latest release names and values are compared with [default: releases/]."
        ),
    ] = None,
    against: Annotated[
        str,
        typer.Option(help="Release id to compare with, 'latest', or 'none' to skip the comparison."),
    ] = "latest",
    max_bytes: Annotated[
        int | None, typer.Option(help="Largest file accepted, in bytes [default: 2000000].")
    ] = None,
) -> None:
    """Check submission files with exactly the rules of the intake and the nightly build.

    Exit 0 when every file is valid (warnings allowed), 1 when a file is invalid,
    2 on a usage or I/O error.
    """
    if format_ not in ("text", "json"):
        typer.echo(f"error: --format: expected text or json, found {format_!r}", err=True)
        raise typer.Exit(2)
    try:
        batch = _validate_paths(paths, store, against, max_bytes)
    except PwcError as exc:
        _fail(exc)
        return
    from transforms.submissions.report import json_report, text_report

    if format_ == "json":
        typer.echo(json_report(batch), nl=False)
    else:
        typer.echo(text_report(batch, color=sys.stdout.isatty()), nl=False)
    raise typer.Exit(0 if batch.valid else 1)


def _validate_paths(paths: list[Path], store: str | None, against: str, max_bytes: int | None) -> Any:
    from transforms.config import Settings
    from transforms.submissions.reader_problems import Limits
    from transforms.submissions.reference import open_reference
    from transforms.submissions.validate import Context, received_from_paths, validate_batch

    settings = Settings.load(store=store, max_submission_bytes=max_bytes)
    received = received_from_paths(paths, settings.max_submission_bytes)
    reference = None if against == "none" else open_reference(settings.store, against)
    context = Context(
        expectations=Path(settings.expectations),
        limits=Limits(max_bytes=settings.max_submission_bytes),
        reference=reference,
    )
    return validate_batch(received, context)


@submission_app.command("intake")
def submission_intake(
    root: Annotated[
        str | None,
        typer.Option(
            help="Submissions root with inbox/ (a directory or fsspec URL) [default: submissions/]."
        ),
    ] = None,
) -> None:
    """Run the intake once without a scheduler: file every inbox file into accepted/ or rejected/."""
    import json

    from transforms.config import Settings
    from transforms.submissions.intake import run_intake

    try:
        report = run_intake(Settings.load(submissions=root))
    except PwcError as exc:
        _fail(exc)
        return
    typer.echo(json.dumps(report.to_json_dict(), indent=2, sort_keys=True))


@submission_app.command("status")
def submission_status(
    submission: Annotated[
        str, typer.Argument(help="A submission id (or its first 8+ characters) or a receipt id.")
    ],
    root: Annotated[str | None, typer.Option(help="Submissions root [default: submissions/].")] = None,
    store: Annotated[
        str | None,
        typer.Option(help="Release store, to say which release published it [default: releases/]."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """Where a submission is: accepted (waiting for a release), published in release X, or rejected (why)."""
    import json

    from transforms.config import Settings
    from transforms.submissions.status import lookup_status

    try:
        settings = Settings.load(submissions=root, store=store)
        status = lookup_status(settings.submissions, settings.store, submission)
    except PwcError as exc:
        _fail(exc)
        return
    if as_json:
        typer.echo(json.dumps(status.to_json_dict(), indent=2, sort_keys=True))
    else:
        typer.echo(status.text())


@app.command("serve")
def serve(
    release: Annotated[str, typer.Option(help="Release id to serve, or 'latest'.")] = "latest",
    store: Annotated[
        str | None,
        typer.Option(
            help="Release store: directory, fsspec URL or http(s) base URL.", show_default="releases/"
        ),
    ] = None,
    release_dir: Annotated[
        Path | None,
        typer.Option(
            help="Serve this one release directory (e.g. a download) instead of a store.",
            show_default="none: serve from the store",
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = False,
    memory_limit: Annotated[
        str | None, typer.Option(help="DuckDB memory limit of the server, e.g. 512MB.", show_default="512MB")
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(min=1, help="DuckDB threads per query (pages are small queries).", show_default="1"),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes sharing the port (each opens the release).")
    ] = 1,
) -> None:
    """Serve the Papers With Code 2 site over one release, read-only (http://127.0.0.1:8000/).

    The release is verified first (fetched through the client when the store is remote); a
    corrupt or stale release is refused with the verify message (exit 1). Other releases of
    the store open from the release switcher. Uploads of the Submit page go to the submissions
    root's intake.
    """
    from transforms.config import Settings
    from transforms.site.release import ServeConfig, default_cache_dir
    from transforms.site.server import serve as run_server

    try:
        settings = Settings.load(store=store)
        config = ServeConfig(
            store=None if release_dir else settings.store,
            release=release,
            release_dir=release_dir,
            submissions=settings.submissions,
            expectations=Path(settings.expectations),
            max_submission_bytes=settings.max_submission_bytes,
            cache_dir=default_cache_dir(settings.work),
            memory_limit=memory_limit or ServeConfig.memory_limit,
            threads=threads or ServeConfig.threads,
        )
        run_server(config, host=host, port=port, access_log=access_log, workers=workers)
    except PwcError as exc:
        _fail(exc)


def main() -> None:
    """Console-script entry point: one line and a documented exit code for every failure.

    Typer turns Ctrl-C into a silent exit 130 and a usage error into several lines; here Ctrl-C
    says so in one line (a command that knows more, a download, says more) and every error is
    one line.
    """
    interrupted = "error: interrupted; nothing incomplete is left visible"
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        typer.echo(interrupted, err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors: bad option, missing argument, ...
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: its help is the answer
            typer.echo(exc.format_message() if hasattr(exc, "format_message") else str(exc))
            sys.exit(2)
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        typer.echo(f"error: {printable(message)} (see --help)", err=True)
        sys.exit(2)
    except ModuleNotFoundError as exc:
        typer.echo(f"error: {printable(str(missing_dependency(exc)))}", err=True)
        sys.exit(2)
    if code == 130 and not _reported:
        typer.echo(interrupted, err=True)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
