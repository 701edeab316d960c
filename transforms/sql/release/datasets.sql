-- datasets: one row per dataset name (subdatasets are named '<parent> / <sub>' and link to the
-- parent). Key: dataset_id. Catalog fields come from datasets dumps when the names match.
WITH boards AS (
    SELECT * FROM stg_leaderboards
),

catalog AS (
    SELECT * FROM stg_datasets
),

names AS (
    SELECT dataset_name, parent_dataset_name, description, links, citations, source, source_rank, 2 AS priority
    FROM boards
    UNION ALL BY NAME
    SELECT dataset_name, parent_dataset_name, description, [] AS links, [] AS citations, source, source_rank, 1 AS priority
    FROM catalog
),

grouped AS (
    SELECT
        dataset_name,
        first(parent_dataset_name ORDER BY priority DESC, source_rank, parent_dataset_name) FILTER (WHERE parent_dataset_name IS NOT NULL) AS parent_dataset_name,
        first(description ORDER BY priority, length(description) DESC, description) FILTER (WHERE description IS NOT NULL) AS description,
        list_distinct(flatten(list(links ORDER BY source_rank))) AS links,
        list_distinct(flatten(list(citations ORDER BY source_rank))) AS citations,
        list_sort(list_distinct(list(source))) AS sources
    FROM names
    GROUP BY dataset_name
),

-- One catalogue record per name, by the total order of papers.sql: file rank, fields filled,
-- then content (md5 of the record's fields); a field it lacks falls back to the next record.
catalog_ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY dataset_name
            ORDER BY
                source_rank,
                (full_name IS NOT NULL)::INTEGER + (homepage IS NOT NULL)::INTEGER
                    + (len(modalities) > 0)::INTEGER + (license_name IS NOT NULL)::INTEGER
                    + (description IS NOT NULL)::INTEGER + (parent_dataset_name IS NOT NULL)::INTEGER DESC,
                md5(concat_ws(chr(31), full_name, homepage, array_to_string(modalities, chr(30)),
                              license_name, description, parent_dataset_name, pwc_url))
        ) AS record_rank
    FROM catalog
),

catalog_first AS (
    SELECT dataset_name,
           arg_min(full_name, record_rank) FILTER (WHERE full_name IS NOT NULL) AS full_name,
           arg_min(homepage, record_rank) FILTER (WHERE homepage IS NOT NULL) AS homepage,
           arg_min(modalities, record_rank) FILTER (WHERE len(modalities) > 0) AS modalities,
           arg_min(license_name, record_rank) FILTER (WHERE license_name IS NOT NULL) AS license_name
    FROM catalog_ranked
    GROUP BY dataset_name
),

final AS (
    SELECT
        make_id('dst', g.dataset_name) AS dataset_id,
        g.dataset_name AS name,
        c.full_name,
        g.description,
        c.homepage,
        -- A parent named by a dump but absent from the data is not linked (kept resolvable).
        CASE WHEN p.dataset_name IS NOT NULL THEN make_id('dst', g.parent_dataset_name) END AS parent_dataset_id,
        g.links,
        g.citations,
        coalesce(c.modalities, []) AS modalities,
        c.license_name,
        g.sources
    FROM grouped AS g
    LEFT JOIN catalog_first AS c USING (dataset_name)
    LEFT JOIN grouped AS p ON p.dataset_name = g.parent_dataset_name
)

SELECT * FROM final
