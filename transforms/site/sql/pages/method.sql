-- One method.
SELECT method_id, name, full_name, description, paper_id, paper_title, paper_url, introduced_year,
    source_url, source_title, code_snippet_url, num_papers, collections, pwc_url
FROM methods
WHERE method_id = $id
