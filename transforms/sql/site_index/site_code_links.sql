-- site_code_links: code links by paper, official first (the paper page's Code links).
SELECT
    paper_id,
    row_number() OVER (
        PARTITION BY paper_id ORDER BY is_official DESC NULLS LAST, mentioned_in_paper DESC NULLS LAST, repo_url
    ) AS position,
    repo_url,
    repo_name,
    coalesce(is_official, false) AS is_official,
    framework
FROM code_links
WHERE paper_id IS NOT NULL
ORDER BY paper_id, position
