"""Run the site with uvicorn: what ``pwc-archive serve`` calls."""

from __future__ import annotations

import sys
import time

from transforms.site.release import Releases, ServeConfig


def serve(
    config: ServeConfig, *, host: str = "127.0.0.1", port: int = 8000, access_log: bool = False
) -> None:
    """Open (verify) the release, then serve it until interrupted.

    Raises PwcError before binding when the release is missing, corrupt or stale.
    """
    import uvicorn

    from transforms.site.app import create_app

    started = time.perf_counter()
    releases = Releases(config)
    app = create_app(config, releases)
    default = releases.default
    built = " (site index built at start: the release predates it)" if default.index_built_at_start else ""
    print(
        f"serving release {default.release_id} (schema {default.schema_version}, opened and verified in "
        f"{time.perf_counter() - started:.1f} s){built} at http://{host}:{port}/",
        file=sys.stderr,
        flush=True,
    )
    try:
        uvicorn.run(
            app, host=host, port=port, access_log=access_log, log_level="warning", server_header=False
        )
    finally:
        releases.close()
