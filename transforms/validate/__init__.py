"""Validation of release tables: the Great Expectations gate (``gate``).

Importing this package does not import Great Expectations; the gate does so on
first use.
"""

from __future__ import annotations

from transforms.validate.gate import (
    ExpectationReport,
    Failure,
    GateReport,
    TableReport,
    load_suite,
    raise_for_failures,
    run_gate,
    suite_parameters,
)

__all__ = [
    "ExpectationReport",
    "Failure",
    "GateReport",
    "TableReport",
    "load_suite",
    "raise_for_failures",
    "run_gate",
    "suite_parameters",
]
