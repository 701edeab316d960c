"""``<store>/latest``: a link to the newest complete release, where the store is on this machine.

So that a path such as ``releases/latest/pwc.duckdb`` works as pasted (README snippets,
notebooks) whatever today's release id is. The link follows ``latest.json`` (written by the
publisher after the release is complete) and is replaced in one rename; object stores have no
links and keep ``latest.json`` only.
"""

from __future__ import annotations

from transforms.release.layout import LATEST, LATEST_LINK, is_release_id
from transforms.storage import Location, loads_metadata, point_link


def update_latest_link(store: Location) -> bool:
    """Point ``<store>/latest`` at the release ``latest.json`` names; False when the store is not
    local, has no latest.json yet, or the platform has no symbolic links."""
    root = store.local_path()
    if root is None or not store.exists(LATEST):
        return False
    pointer = loads_metadata(store.read_bytes(LATEST), store.describe(LATEST))
    release_id = pointer.get("release_id") if isinstance(pointer, dict) else None
    if not isinstance(release_id, str) or not is_release_id(release_id) or not (root / release_id).is_dir():
        return False
    return point_link(root / LATEST_LINK, release_id)
