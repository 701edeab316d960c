"""Client side of a release store: list, resolve, download (resumable) and verify releases."""
