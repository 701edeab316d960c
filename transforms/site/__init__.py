"""The Papers With Code 2 site: a read-only web app over one release (``pwc-archive serve``).

Importing this package is cheap: the web framework is imported by :mod:`transforms.site.app`
only, and :mod:`transforms.publish.site_index` (which builds the site index file) needs nothing but DuckDB.
"""
