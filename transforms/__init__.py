"""pwc-archive: versioned, licensed releases of the Papers with Code archive.

All pipeline logic lives here, organised by stage (ingest, normalize, build,
validate, publish, client); the Airflow DAGs in ``dags/`` and the ``pwc-archive``
CLI only wire these functions together.
"""

from __future__ import annotations

__version__ = "0.1.0"
