"""Ingest stage: discover source files and stream them into raw DuckDB tables."""
