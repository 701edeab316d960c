-- Shared cleaning and identity macros, created on the work database before any model runs.
-- Identity rules (docs/design.md): ids derive from identity, never from row order or run time.

-- Trim and collapse every kind of whitespace PwC data carries (ASCII, NBSP, U+2000-U+200B,
-- ideographic space U+3000, BOM U+FEFF). NULL stays NULL. Most names need nothing: the replace
-- runs only when a name has a run of two, a whitespace other than ' ', or a space at either end
-- (the same result, four times faster on 576k paper titles).
CREATE OR REPLACE MACRO clean_name(s) AS
    CASE WHEN regexp_matches(s, '[\s\x{00a0}\x{2000}-\x{200b}\x{3000}\x{feff}]{2}|[\t\n\r\x0b\x0c\x{00a0}\x{2000}-\x{200b}\x{3000}\x{feff}]|^ | $')
         THEN trim(regexp_replace(s, '[\s\x{00a0}\x{2000}-\x{200b}\x{3000}\x{feff}]+', ' ', 'g'))
         ELSE s END;

-- '<prefix>_<first 16 hex of sha256(identity)>'.
CREATE OR REPLACE MACRO make_id(prefix, identity) AS
    prefix || '_' || substr(sha256(identity), 1, 16);

-- arXiv id without version from any arXiv abs/pdf URL (new and old style ids), else NULL.
CREATE OR REPLACE MACRO arxiv_from_url(url) AS
    nullif(regexp_extract(url, 'arxiv\.org/(?:abs|pdf)/((?:[a-z\-]+(?:\.[A-Za-z]{2})?/\d{7})|(?:\d{4}\.\d{4,5}))', 1), '');

-- An arXiv id as given in a dump: version stripped, placeholder 0000.00000 is no id.
CREATE OR REPLACE MACRO clean_arxiv_id(id) AS
    CASE WHEN regexp_matches(trim(id), '^((?:[a-z\-]+(?:\.[A-Za-z]{2})?/\d{7})|(?:\d{4}\.\d{4,5}))(v\d+)?$')
          AND trim(id) NOT LIKE '0000.00000%'
         THEN regexp_replace(trim(id), 'v\d+$', '') END;

-- URLs compared by scheme-less, www-less, trailing-slash-less form (paths keep their case).
CREATE OR REPLACE MACRO norm_url(url) AS
    nullif(regexp_replace(regexp_replace(trim(url), '^(https?://)?(www\.)?', 'https://'), '(/+|\.git)$', ''), 'https://');

-- A paper's identity: arXiv id when it has one, else its normalised URL, else its title.
CREATE OR REPLACE MACRO paper_key(arxiv, url, title) AS
    CASE WHEN arxiv IS NOT NULL THEN 'arxiv:' || arxiv
         WHEN nullif(trim(url), '') IS NOT NULL THEN 'url:' || norm_url(url)
         WHEN nullif(clean_name(title), '') IS NOT NULL THEN 'title:' || lower(clean_name(title)) END;

-- A result's identity (task, dataset, paper, model, metric) from the ids of its parts. Model and
-- metric ids are the deduplicated ones, so every spelling of a merged model has one identity.
CREATE OR REPLACE MACRO identity_of(task_id, dataset_id, paper_id, model_id, metric_id) AS
    make_id('rid', concat_ws(chr(31), task_id, dataset_id, coalesce(paper_id, ''), model_id, metric_id));

-- Release ids 'YYYY-MM-DD.N' in build order (N compared as a number: .10 after .9).
CREATE OR REPLACE MACRO release_order(rid) AS
    {'day': substr(rid, 1, 10), 'n': try_cast(split_part(rid, '.', 2) AS INTEGER)};
