-- Staging: one row per record of datasets dumps. Names cleaned only.
WITH datasets AS (
    SELECT * FROM raw_datasets
)

SELECT
    source,
    source_rank,
    coalesce(nullif(clean_name(name), ''), '(unnamed dataset)') AS dataset_name,
    nullif(clean_name(full_name), '') AS full_name,
    nullif(trim(homepage), '') AS homepage,
    nullif(trim(description), '') AS description,
    nullif(clean_name(parent_dataset), '') AS parent_dataset_name,
    coalesce(modalities, []) AS modalities,
    nullif(trim(license_name), '') AS license_name,
    norm_url(url) AS pwc_url
FROM datasets
