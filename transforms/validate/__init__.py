"""Validation of release tables: the Great Expectations gate.

``suites`` reads the suites (``expectations/*.json``) and resolves their parameters, ``gate`` runs
them with Great Expectations, ``report`` is what they found. Importing this package does not
import Great Expectations; the gate does so on first use.
"""
