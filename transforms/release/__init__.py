"""The release contract: what a release and a store hold, whoever writes or reads them.

``layout`` (file names, the release-id grammar, the licence), ``manifest`` (hashes, SHA256SUMS,
manifest, index and latest formats, and checking them) and ``schema`` (every published table's
grain, key and columns). The bottom layer, with storage and the DuckDB helper: it imports no stage.
"""
