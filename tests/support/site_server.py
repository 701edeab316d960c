"""The site on a real uvicorn server (127.0.0.1, a free port) in a background thread, for tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from transforms.site.release import Releases, ServeConfig

EXPECTATIONS = Path(__file__).resolve().parents[2] / "expectations"


@dataclass
class LiveSite:
    url: str
    config: ServeConfig
    releases: Releases


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def site_config(store: Path | None, submissions: Path, tmp: Path, **extra: object) -> ServeConfig:
    return ServeConfig(
        store=str(store) if store else None,
        submissions=str(submissions),
        expectations=EXPECTATIONS,
        cache_dir=tmp / "site-cache",
        **extra,  # type: ignore[arg-type]
    )


@contextmanager
def live_site(config: ServeConfig) -> Iterator[LiveSite]:
    """Open the release(s), serve them with uvicorn, stop the server at exit."""
    import uvicorn

    from transforms.site.app import create_app

    releases = Releases(config)
    app = create_app(config, releases)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the site did not start")
        time.sleep(0.05)
    try:
        yield LiveSite(f"http://127.0.0.1:{port}", config, releases)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        releases.close()
