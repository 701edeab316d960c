"""Stable ids across releases: the lineage the id registry is built from.

Every published id stays resolvable (docs/design.md). An entity's id is derived
from its identity; when deduplication merges entities (two spellings of one
model, two spellings of one metric, and so the results that used them), the
merged entity keeps one of the published ids and the others redirect to it.

``int_lineage`` (entity, id, lineage_id) says, for every active id of the
release, which earlier ids live on as it:

* every active id is its own lineage;
* a metric or a model: the ids of its spellings (each spelling's id on its own)
  and, for a metric, the id of its canonical name;
* a result (and its identity): the previous release's results whose model and
  metric resolve to this result's, with the same task, dataset, paper and value.
  Results are derived from models and metrics, so their lineage follows the
  previous release's rows through the merges instead of enumerating spellings.

``id_registry.sql`` resolves every id the previous release knew through it, and
``id_redirects.sql`` lists the ones that now point elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from transforms.build.previous import IDENTITIES, previous_relations
from transforms.build.sqlrunner import quote_ident
from transforms.build.tables import ENTITY_TABLES, TABLES

_SPELLING_LINEAGE = (
    "SELECT 'metrics', metric_id, spelling_id FROM int_metric_spellings",
    # The id a metric gets from its canonical name when no release published it yet.
    "SELECT 'metrics', metric_id, make_id('met', canonical_name) FROM int_metric_spellings",
    "SELECT 'models', model_id, spelling_id FROM int_model_spellings",
)

# Where a model or metric id the previous release knew lives now: itself when still active,
# the entity whose lineage holds it, or (for an id that was already redirected) its target's.
_PART_MAP = """
CREATE OR REPLACE TEMP TABLE part_map AS
WITH lineage AS (SELECT * FROM int_lineage WHERE entity IN ('models', 'metrics')),
targets AS (SELECT entity, lineage_id, min(id) AS target FROM lineage GROUP BY entity, lineage_id)
SELECT prev.entity, prev.id AS old_id, coalesce(direct.target, via.target) AS new_id
FROM prev_ids AS prev
LEFT JOIN targets AS direct ON direct.entity = prev.entity AND direct.lineage_id = prev.id
LEFT JOIN targets AS via ON via.entity = prev.entity AND via.lineage_id = prev.current_id
WHERE prev.entity IN ('models', 'metrics')
"""

# The previous release's results, moved onto the merged model and metric ids. A result follows the
# model its own spelling belongs to now (model_aliases), so a spelling that a rule change takes out
# of a merged model (the guard) takes its results along; else the model's merge.
_RESULT_LINEAGE = """
INSERT INTO int_lineage
WITH prev AS (
    SELECT
        result_id, identity_id, task_id, dataset_id, paper_id, model_id, metric_id, model_name_raw,
        coalesce('v:' || CAST(value AS VARCHAR), 'raw:' || coalesce(value_raw, '')) AS value_key
    FROM {results}
),
moved AS (
    SELECT
        prev.result_id,
        prev.identity_id,
        prev.value_key,
        identity_of(prev.task_id, prev.dataset_id, prev.paper_id,
                    coalesce(spelling.model_id, models.new_id, prev.model_id),
                    coalesce(metrics.new_id, prev.metric_id))
            AS new_identity
    FROM prev
    LEFT JOIN model_aliases AS spelling
      ON spelling.paper_id IS NOT DISTINCT FROM prev.paper_id AND spelling.name_raw = prev.model_name_raw
    LEFT JOIN part_map AS models ON models.entity = 'models' AND models.old_id = prev.model_id
    LEFT JOIN part_map AS metrics ON metrics.entity = 'metrics' AND metrics.old_id = prev.metric_id
),
current AS (SELECT result_id, identity_id FROM results)
SELECT DISTINCT 'results', current.result_id, moved.result_id
FROM moved JOIN current ON current.result_id = make_id('res', moved.new_identity || chr(31) || moved.value_key)
UNION ALL
SELECT DISTINCT '{identities}', current.identity_id, moved.identity_id
FROM moved JOIN current ON current.identity_id = moved.new_identity
"""


def build_lineage(con: duckdb.DuckDBPyConnection, work: Path) -> int:
    """Materialise ``int_lineage`` from the release tables just built; returns its row count."""
    selects = []
    for table in ENTITY_TABLES:
        key = quote_ident(TABLES[table].key)
        selects.append(
            f"SELECT '{table}' AS entity, {key} AS id, {key} AS lineage_id FROM {quote_ident(table)}"
        )
    selects.append(f"SELECT DISTINCT '{IDENTITIES}', identity_id, identity_id FROM results")
    selects.extend(_SPELLING_LINEAGE)
    con.execute("CREATE OR REPLACE TABLE int_lineage AS " + " UNION ALL ".join(selects))
    results = previous_relations(work).get("results")
    if results is not None:
        con.execute(_PART_MAP)
        con.execute(_RESULT_LINEAGE.format(results=results, identities=IDENTITIES))
    con.execute("CREATE OR REPLACE TABLE int_lineage AS SELECT DISTINCT * FROM int_lineage")
    return int(con.execute("SELECT count(*) FROM int_lineage").fetchone()[0])  # type: ignore[index]
