-- submissions: one row per accepted community submission included in the release. Key: submission_id.
-- first_release carries over from the previous release, so it never changes once published.
WITH subs AS (
    SELECT * FROM raw_submissions WHERE status = 'valid'
),

previous AS (
    SELECT * FROM raw_previous_submissions
),

build AS (
    SELECT release_id FROM build_info
),

firsts AS (
    SELECT submission_id, count(*) AS results_new
    FROM results
    WHERE submission_id IS NOT NULL
    GROUP BY submission_id
),

final AS (
    SELECT
        subs.submission_id,
        subs.submitter,
        subs.submitter_github,
        CAST(subs.received_at AS TIMESTAMP) AS received_at,
        'published' AS status,
        coalesce(previous.first_release, (SELECT release_id FROM build)) AS first_release,
        subs.submission_format,
        subs.receipts,
        subs.result_values,
        coalesce(firsts.results_new, 0) AS results_new
    FROM subs
    LEFT JOIN previous USING (submission_id)
    LEFT JOIN firsts USING (submission_id)
)

SELECT * FROM final
