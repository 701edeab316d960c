"""Build stage: release tables from the staged, normalised data (SQL files)."""
