"""The tables stage: the release tables built from the staged data (``sql/release``), the ids'
lineage and registry, and the diff against the previous release (``stage.build_tables``)."""
