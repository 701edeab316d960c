"""Normalise stage: turn archived cells and names into comparable values."""
