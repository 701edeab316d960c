"""Run the site with uvicorn: what ``pwc-archive serve`` calls."""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from typing import Any

from transforms.site.release import Releases, ServeConfig

CONFIG_ENV = "PWC_SITE_CONFIG"
"""How a worker process receives the configuration (JSON) from ``serve``."""


def serve(
    config: ServeConfig,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    access_log: bool = False,
    workers: int = 1,
) -> None:
    """Open (verify) the release, then serve it until interrupted.

    Raises PwcError before binding when the release is missing, corrupt or stale. With
    ``workers`` > 1 the release is verified here once, then each worker process opens it
    (uvicorn's workers share the port; each has its own DuckDB connection and row indexes).
    """
    import uvicorn

    from transforms.site.app import create_app

    started = time.perf_counter()
    releases = Releases(config)
    default = releases.default
    built = (
        f" (site index built at start, kept in {config.cache_dir}: the nightly's site_index task had not built it)"
        if default.index_built_at_start
        else ""
    )
    print(
        f"serving release {default.release_id} (schema {default.schema_version}, opened and verified in "
        f"{time.perf_counter() - started:.1f} s){built} at http://{host}:{port}/"
        + (f" with {workers} worker processes" if workers > 1 else ""),
        file=sys.stderr,
        flush=True,
    )
    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "access_log": access_log,
        "log_level": "warning",
        "server_header": False,
    }
    if workers > 1:
        releases.close()
        pinned = dataclasses.replace(config, release=default.release_id, verified=True)
        os.environ[CONFIG_ENV] = pinned.to_json()
        uvicorn.run("transforms.site.server:worker_app", factory=True, workers=workers, **common)
        return
    app = create_app(config, releases)
    try:
        uvicorn.run(app, **common)
    finally:
        releases.close()


def worker_app() -> Any:
    """The app of one worker process (uvicorn's factory), from the configuration ``serve`` verified."""
    from transforms.site.app import create_app

    return create_app(ServeConfig.from_json(os.environ[CONFIG_ENV]))
