-- Row counts the home and catalogue pages show.
SELECT
    (SELECT count(*) FROM site_tasks) AS tasks,
    (SELECT count(*) FROM site_datasets) AS datasets,
    (SELECT count(*) FROM site_methods) AS methods,
    (SELECT count(*) FROM site_papers_by_date) AS papers,
    (SELECT count(*) FROM site_boards WHERE is_main) AS boards,
    (SELECT count(*) FROM site_results) AS results
