"""The published tables: grain, primary key and columns.

This module is the single description of the release schema. The SQL files in
``transforms/sql/release`` produce exactly these columns (a test checks it), the
Great Expectations suites in ``expectations/`` check them, and the release
README and ``docs/tables.md`` are generated from it.

Ids are ``<prefix>_<16 hex>``: the first 64 bits of the sha256 of the entity's
identity string, so the same entity gets the same id in every release.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = "1.2.0"
"""SemVer of the release schema: major = breaking column change."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    grain: str
    key: str
    columns: tuple[Column, ...]
    references: tuple[tuple[str, str, str], ...] = ()
    """(column, table, column) foreign keys; NULL is allowed unless the column is not nullable."""
    entity: bool = True
    """The key is a stable entity id: tracked in id_registry and compared in the release diff.
    False for the tables derived from others (conflicts) and for the bookkeeping tables."""
    row_group_rows: int = 122_880
    """Rows per Parquet row group: fewer for tables of long text (abstracts), so that the writer,
    which holds one row group in memory, stays at tens of MB."""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, type_: str, description: str, nullable: bool = True) -> Column:
    return Column(name, type_, description, nullable)


SOURCES = _c("sources", "VARCHAR[]", "Every source file the entity was seen in (sorted).")

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "papers",
            grain="one row per paper (an arXiv paper is one paper whatever its version or URL)",
            key="paper_id",
            columns=(
                _c(
                    "paper_id",
                    "VARCHAR",
                    "Stable id: from the arXiv id without version, else the normalised paper URL.",
                    False,
                ),
                _c("arxiv_id", "VARCHAR", "arXiv id without version (e.g. 1809.10853, cs/0205028)."),
                _c("title", "VARCHAR", "Paper title."),
                _c("abstract", "VARCHAR", "Abstract (from papers-with-abstracts, when present)."),
                _c("authors", "VARCHAR[]", "Author names in paper order."),
                _c("published", "DATE", "Publication date as recorded by Papers with Code."),
                _c("url_abs", "VARCHAR", "Landing page of the paper (normalised URL)."),
                _c("url_pdf", "VARCHAR", "PDF link."),
                _c("pwc_url", "VARCHAR", "The paper's former paperswithcode.com page."),
                _c("proceeding", "VARCHAR", "Venue / proceeding."),
                SOURCES,
            ),
            row_group_rows=16_384,
        ),
        Table(
            "tasks",
            grain="one row per task name",
            key="task_id",
            columns=(
                _c("task_id", "VARCHAR", "Stable id from the trimmed task name.", False),
                _c("name", "VARCHAR", "Task name, stray whitespace removed.", False),
                _c("description", "VARCHAR", "Markdown description (longest seen)."),
                _c("categories", "VARCHAR[]", "Areas such as 'Computer Vision'."),
                _c(
                    "parent_task_id",
                    "VARCHAR",
                    "Parent task (the first by name when a task is nested under several).",
                ),
                _c("parent_task_ids", "VARCHAR[]", "Every task this task is nested under."),
                _c("synonyms", "VARCHAR[]", "Other names of the task."),
                SOURCES,
            ),
            references=(("parent_task_id", "tasks", "task_id"),),
        ),
        Table(
            "datasets",
            grain="one row per dataset name (a subdataset is a dataset with a parent)",
            key="dataset_id",
            columns=(
                _c("dataset_id", "VARCHAR", "Stable id from the trimmed dataset name.", False),
                _c("name", "VARCHAR", "Dataset name, stray whitespace removed.", False),
                _c("full_name", "VARCHAR", "Full name (datasets.json)."),
                _c("description", "VARCHAR", "Description (longest seen)."),
                _c("homepage", "VARCHAR", "Homepage URL (datasets.json)."),
                _c("parent_dataset_id", "VARCHAR", "The dataset this is a subdataset of."),
                _c("links", "STRUCT(title VARCHAR, url VARCHAR)[]", "Dataset links from leaderboards."),
                _c(
                    "citations",
                    "STRUCT(title VARCHAR, url VARCHAR)[]",
                    "Dataset citations from leaderboards.",
                ),
                _c("modalities", "VARCHAR[]", "Modalities (datasets.json)."),
                _c("license_name", "VARCHAR", "The dataset's own licence (datasets.json)."),
                SOURCES,
            ),
            references=(("parent_dataset_id", "datasets", "dataset_id"),),
        ),
        Table(
            "metrics",
            grain="one row per canonical metric: spellings that fold together or are reviewed aliases are one metric",
            key="metric_id",
            columns=(
                _c(
                    "metric_id",
                    "VARCHAR",
                    "Stable id (kept from the first release the metric appeared in; merged spellings redirect).",
                    False,
                ),
                _c(
                    "name",
                    "VARCHAR",
                    "Canonical name (the metric registry's; else the most used spelling).",
                    False,
                ),
                _c(
                    "name_key",
                    "VARCHAR",
                    "Folded name: spellings with this key (case, spacing, hyphens, a (%) suffix) are this metric.",
                    False,
                ),
                _c("is_known", "BOOLEAN", "The reviewed metric registry has an entry for it.", False),
                _c(
                    "direction",
                    "VARCHAR",
                    "higher or lower is better; NULL when unknown or task-dependent (see results.direction).",
                ),
                _c(
                    "unit",
                    "VARCHAR",
                    "percent, fraction, count, rank, duration, ... (registry); NULL when unknown.",
                ),
                _c("min_value", "DOUBLE", "Smallest plausible value (registry bounds); NULL = no bound."),
                _c("max_value", "DOUBLE", "Largest plausible value (registry bounds); NULL = no bound."),
                _c("note", "VARCHAR", "What the registry's review found about the metric."),
                _c("raw_names", "VARCHAR[]", "Every raw spelling that maps to this metric."),
                _c("result_count", "BIGINT", "Number of results using the metric.", False),
            ),
        ),
        Table(
            "models",
            grain="one row per model of a paper: spellings that the reviewed model-identity rules join are one model (case, punctuation, year suffixes, citation tags, configuration separators; never two spellings with different values in one leaderboard); models without a paper are one row per name",
            key="model_id",
            columns=(
                _c(
                    "model_id",
                    "VARCHAR",
                    "Stable id (kept from the first release the model appeared in; merged spellings redirect).",
                    False,
                ),
                _c("paper_id", "VARCHAR", "The paper that reports the model (NULL when none)."),
                _c(
                    "name",
                    "VARCHAR",
                    "Model name: the spelling its id comes from ('' when the archive had none).",
                    False,
                ),
                _c(
                    "name_key",
                    "VARCHAR",
                    "Folded name of the model's spelling (case, spacing, hyphens, quotes, stops removed; a "
                    "trailing variant letter keeps its case). The same architecture in many papers shares it: "
                    "a cross-paper link, never a merge.",
                    False,
                ),
                _c("raw_names", "VARCHAR[]", "Every raw spelling of the name (see model_aliases)."),
                _c("links", "STRUCT(title VARCHAR, url VARCHAR)[]", "Model links (weights, pages)."),
            ),
            references=(("paper_id", "papers", "paper_id"),),
        ),
        Table(
            "model_aliases",
            grain="one row per (paper, raw model spelling): every spelling ever archived, pointing to its model",
            key="alias_id",
            columns=(
                _c("alias_id", "VARCHAR", "Stable id from (paper identity, raw spelling).", False),
                _c("model_id", "VARCHAR", "The model the spelling belongs to.", False),
                _c("paper_id", "VARCHAR", "The paper (NULL for models without one)."),
                _c("name_raw", "VARCHAR", "The spelling exactly as archived.", False),
                _c(
                    "spelling_id",
                    "VARCHAR",
                    "The id this spelling has on its own: equal to model_id, or redirected to it in id_redirects.",
                    False,
                ),
                _c("result_cells", "BIGINT", "Archived metric cells written with this spelling.", False),
            ),
            references=(("model_id", "models", "model_id"), ("paper_id", "papers", "paper_id")),
        ),
        Table(
            "results",
            grain="one row per (task, dataset, paper, model, metric, value): a result repeated under two parents is one row; two different values for one identity are two rows flagged is_conflict",
            key="result_id",
            columns=(
                _c("result_id", "VARCHAR", "Stable id from the identity and the value.", False),
                _c(
                    "identity_id",
                    "VARCHAR",
                    "Id of (task, dataset, paper, model, metric): shared by conflicting values.",
                    False,
                ),
                _c("task_id", "VARCHAR", "Task.", False),
                _c("dataset_id", "VARCHAR", "Dataset (leaderboard = task x dataset).", False),
                _c("paper_id", "VARCHAR", "Paper (NULL when the archive row had none)."),
                _c("model_id", "VARCHAR", "Model.", False),
                _c("metric_id", "VARCHAR", "Metric.", False),
                _c(
                    "value",
                    "DOUBLE",
                    "Parsed value; NULL when the raw cell is not one number (see value_issue).",
                ),
                _c("value_raw", "VARCHAR", "The cell exactly as archived (JSON numbers as their text)."),
                _c(
                    "value_issue",
                    "VARCHAR",
                    "Why value is NULL: missing, multiple_numbers, text, not_finite, unparseable.",
                ),
                _c("is_percent", "BOOLEAN", "The raw cell carried a % sign."),
                _c(
                    "value_normalized",
                    "DOUBLE",
                    "value on its leaderboard's scale: a 0.934 among percentages becomes 93.4 (see value_flag); "
                    "NULL when not comparable (unparsed, out of bounds, scale unclear). Leaderboards rank by it.",
                ),
                _c(
                    "value_flag",
                    "VARCHAR",
                    "NULL, or: fraction_rescaled / percent_rescaled (value_normalized reconciled to the "
                    "leaderboard's scale), scale_unclear (other scale, no clear x100), out_of_bounds "
                    "(outside the metric's plausible range).",
                ),
                _c(
                    "direction",
                    "VARCHAR",
                    "higher or lower is better for this metric in this task (the registry's; NULL when unknown).",
                ),
                _c("metric_name_raw", "VARCHAR", "Metric name as archived.", False),
                _c("model_name_raw", "VARCHAR", "Model name as archived.", False),
                _c("paper_url_raw", "VARCHAR", "Paper URL as archived."),
                _c("paper_date", "DATE", "Paper date given on the leaderboard row."),
                _c(
                    "uses_additional_data",
                    "BOOLEAN",
                    "Trained with extra data (false when the archive did not say).",
                    False,
                ),
                _c(
                    "is_conflict",
                    "BOOLEAN",
                    "Another row has the same identity_id and a different value.",
                    False,
                ),
                _c(
                    "source",
                    "VARCHAR",
                    "First source file the result was seen in ('submission' for a community submission).",
                    False,
                ),
                SOURCES,
                _c(
                    "submission_id",
                    "VARCHAR",
                    "The accepted submission that first reported the result (NULL when archived first).",
                ),
                _c("submitter", "VARCHAR", "Who sent that submission (its submitter.name)."),
                _c(
                    "submission_ids",
                    "VARCHAR[]",
                    "Every accepted submission that reported this result, including ones that repeat an archived result.",
                ),
            ),
            references=(
                ("task_id", "tasks", "task_id"),
                ("dataset_id", "datasets", "dataset_id"),
                ("paper_id", "papers", "paper_id"),
                ("model_id", "models", "model_id"),
                ("metric_id", "metrics", "metric_id"),
                ("submission_id", "submissions", "submission_id"),
            ),
        ),
        Table(
            "code_links",
            grain="one row per (paper, repository URL)",
            key="code_link_id",
            columns=(
                _c("code_link_id", "VARCHAR", "Stable id from (paper identity, normalised repo URL).", False),
                _c("paper_id", "VARCHAR", "Paper (NULL for leaderboard rows without a paper)."),
                _c(
                    "repo_url",
                    "VARCHAR",
                    "Repository URL (normalised: https, no trailing slash or .git).",
                    False,
                ),
                _c("repo_name", "VARCHAR", "owner/repo for GitHub URLs."),
                _c("is_official", "BOOLEAN", "Released by the authors (links dump only)."),
                _c("framework", "VARCHAR", "pytorch, tf, jax, ... (links dump only)."),
                _c("mentioned_in_paper", "BOOLEAN", "Links dump only."),
                _c("mentioned_in_github", "BOOLEAN", "Links dump only."),
                SOURCES,
            ),
            references=(("paper_id", "papers", "paper_id"),),
        ),
        Table(
            "methods",
            grain="one row per method (methods.json url)",
            key="method_id",
            columns=(
                _c("method_id", "VARCHAR", "Stable id from the method's paperswithcode URL.", False),
                _c("name", "VARCHAR", "Method name.", False),
                _c("full_name", "VARCHAR", "Full name."),
                _c("description", "VARCHAR", "Markdown/LaTeX description."),
                _c("paper_id", "VARCHAR", "Introducing paper, when it is in papers."),
                _c("paper_title", "VARCHAR", "Introducing paper title as archived."),
                _c("paper_url", "VARCHAR", "Introducing paper URL as archived."),
                _c(
                    "introduced_year",
                    "INTEGER",
                    "Year introduced; NULL where the archive had the 2000 placeholder.",
                ),
                _c("introduced_year_raw", "INTEGER", "Year as archived."),
                _c("source_url", "VARCHAR", "Source of the method."),
                _c("source_title", "VARCHAR", "Title of the source."),
                _c("code_snippet_url", "VARCHAR", "Reference implementation."),
                _c("num_papers", "INTEGER", "Papers using the method (at dump time)."),
                _c(
                    "collections",
                    "STRUCT(collection VARCHAR, area_id VARCHAR, area VARCHAR)[]",
                    "Collections and areas.",
                ),
                _c("pwc_url", "VARCHAR", "The method's former paperswithcode.com page.", False),
            ),
            references=(("paper_id", "papers", "paper_id"),),
        ),
        Table(
            "submissions",
            grain="one row per accepted community submission included in the release",
            key="submission_id",
            columns=(
                _c(
                    "submission_id",
                    "VARCHAR",
                    "sha256 (hex) of the submission's canonical form: the same content always has this id.",
                    False,
                ),
                _c("submitter", "VARCHAR", "The submitter's name as given (attribution).", False),
                _c("submitter_github", "VARCHAR", "The submitter's GitHub user name, when given."),
                _c("received_at", "TIMESTAMP", "When the intake first received it (UTC).", False),
                _c("status", "VARCHAR", "published (every submission in a release is).", False),
                _c("first_release", "VARCHAR", "The release the submission first appeared in.", False),
                _c("submission_format", "VARCHAR", "pwc-submission-v1, model-index or evaluation-tables."),
                _c("receipts", "INTEGER", "How many times the same content was received.", False),
                _c("result_values", "INTEGER", "Metric values it submitted.", False),
                _c(
                    "results_new",
                    "BIGINT",
                    "Results it is the first source of (the others repeat archived results).",
                    False,
                ),
            ),
        ),
        Table(
            "conflicts",
            grain="one row per result whose identity (task, dataset, paper, model, metric) has more than one value",
            key="result_id",
            entity=False,
            columns=(
                _c("result_id", "VARCHAR", "The result (one of the identity's values).", False),
                _c("identity_id", "VARCHAR", "The identity the values disagree on.", False),
                _c("task_id", "VARCHAR", "Task.", False),
                _c("dataset_id", "VARCHAR", "Dataset.", False),
                _c("paper_id", "VARCHAR", "Paper."),
                _c("model_id", "VARCHAR", "Model.", False),
                _c("metric_id", "VARCHAR", "Metric.", False),
                _c("value", "DOUBLE", "Parsed value (NULL when the cell did not parse)."),
                _c("value_raw", "VARCHAR", "The cell as archived."),
                _c("values_in_identity", "BIGINT", "How many different values the identity has.", False),
                _c("source", "VARCHAR", "First source file the value was seen in.", False),
                SOURCES,
                _c("submission_id", "VARCHAR", "The submission that first reported this value, if any."),
            ),
            references=(("result_id", "results", "result_id"),),
        ),
        Table(
            "id_registry",
            grain="one row per id ever published by any release of this archive (entity tables' keys and results.identity_id)",
            key="id",
            entity=False,
            columns=(
                _c("id", "VARCHAR", "The id.", False),
                _c(
                    "entity",
                    "VARCHAR",
                    "Table whose key it is (result_identities for results.identity_id).",
                    False,
                ),
                _c("first_release", "VARCHAR", "First release the id was published in.", False),
                _c(
                    "last_release",
                    "VARCHAR",
                    "Last release it was an active row in (this release when active).",
                    False,
                ),
                _c(
                    "status",
                    "VARCHAR",
                    "active (a row of this release), merged (see id_redirects) or removed (gone from the data).",
                    False,
                ),
                _c(
                    "current_id",
                    "VARCHAR",
                    "Where the id resolves in this release: itself when active, the merged entity's id, NULL when removed.",
                ),
            ),
        ),
        Table(
            "id_redirects",
            grain="one row per published id that now resolves to another (entities merged)",
            key="old_id",
            entity=False,
            columns=(
                _c("old_id", "VARCHAR", "The id no longer used.", False),
                _c(
                    "new_id",
                    "VARCHAR",
                    "The active id it resolves to in this release (always one hop).",
                    False,
                ),
                _c("entity", "VARCHAR", "Table (or result_identities).", False),
                _c("reason", "VARCHAR", "Why the entities merged.", False),
                _c("release", "VARCHAR", "The release that made the redirect.", False),
            ),
        ),
        Table(
            "changes",
            grain="one row per entity id added, removed, merged or changed since the previous release",
            key="id",
            entity=False,
            columns=(
                _c("id", "VARCHAR", "The entity's id.", False),
                _c("table_name", "VARCHAR", "Its table.", False),
                _c("change", "VARCHAR", "added, removed, merged (now redirected) or changed.", False),
                _c("new_id", "VARCHAR", "For merged: the id it now resolves to."),
                _c("changed_columns", "VARCHAR[]", "For changed: the columns whose value differs."),
                _c("previous_release", "VARCHAR", "The release compared with.", False),
            ),
        ),
    ]
}
"""Release tables in publication order."""

ENTITY_TABLES: tuple[str, ...] = tuple(name for name, t in TABLES.items() if t.entity)
"""Tables whose keys are tracked across releases (id_registry) and compared (changes)."""
