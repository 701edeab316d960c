"""Great Expectations' own Data Docs of a gate run, as static HTML that ships in the release.

The gate validates with an ephemeral context (no ``gx/`` folder); here its in-memory validation
results store takes the run's results (one per table, keyed by the table's suite and the release
id), GX's ``SiteBuilder`` renders them into a filesystem site under ``target`` (``index.html``,
one page per table under ``validations/<suite>/``, GX's static assets), and the results leave the
store again, so a later gate run in the same process renders only its own. The pages are GX's:
their styling and scripts load from public CDNs, the results themselves are in the HTML.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from transforms.errors import PwcError
from transforms.validate.report import GateReport

INDEX = "index.html"


def build_data_docs(
    report: GateReport, target: Path, run_name: str, run_time: datetime | None = None
) -> Path:
    """Render ``report``'s GX results as a Data Docs site in ``target`` (replaced); its index.

    ``run_name`` (the release id) and ``run_time`` (default: now) name the validation run on
    every page. Raises PwcError when the report holds no GX results (a report read from JSON).
    """
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    from transforms.validate.gate import _gx_session

    if not report.gx_results:
        raise PwcError("no Great Expectations results to render: run the gate in this process first")
    context = _gx_session().context
    store = context.validation_results_store
    run_id = RunIdentifier(run_name=run_name, run_time=run_time or datetime.now(UTC))
    keys = []
    for table, result in report.gx_results.items():
        suite = str(result.suite_name or table)
        key = ValidationResultIdentifier(ExpectationSuiteIdentifier(name=suite), run_id, table)
        store.set(key, result)
        keys.append(key)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    site = f"pwc-{uuid.uuid4().hex[:8]}"
    try:
        context.add_data_docs_site(
            site,
            {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(target)},
            },
        )
        context.build_data_docs(site_names=[site])
    finally:
        for key in keys:
            store.remove_key(key)
        context.delete_data_docs_site(site)
    index = target / INDEX
    if not index.is_file():
        raise PwcError(f"{target}: Great Expectations built no {INDEX}")
    return index
