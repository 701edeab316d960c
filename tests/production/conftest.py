"""Fixtures of the production-profile tests (``make test-production``; the profile is up)."""

from __future__ import annotations

import fsspec.config
import pytest
import requests

from tests.production.profile import Profile, profile_env

pytestmark = pytest.mark.production


@pytest.fixture(scope="session")
def profile() -> Profile:
    """The running profile; both DAGs unpaused, and no run left over from unpausing."""
    prof = Profile(profile_env())
    try:
        requests.get(f"{prof.api}/api/v2/monitor/health", timeout=10).raise_for_status()
    except requests.RequestException as exc:
        pytest.fail(f"the production profile is not up ({exc}); run: make up")
    # This process opens s3:// locations too (checks, the lease test): the profile's keys.
    fsspec.config.conf["s3"] = prof.s3_options()
    for dag_id in ("nightly_release", "submission_intake"):
        prof.unpause(dag_id)
    for dag_id in ("nightly_release", "submission_intake"):
        prof.wait_idle(dag_id, timeout=900)
    return prof
