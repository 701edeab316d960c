"""An object store's refusal of a conditional write is read as "the key exists", whatever s3fs wraps it in.

s3fs raises S3's ``412 PreconditionFailed`` as a bare ``OSError(EINVAL)`` whose cause is botocore's
``ClientError`` (seen against SeaweedFS; tests/production checks the real round trip).
"""

from __future__ import annotations

import errno

import pytest

from transforms.storage import _precondition_failed

botocore_exceptions = pytest.importorskip("botocore.exceptions")


def _wrapped(code: str, status: int) -> OSError:
    cause = botocore_exceptions.ClientError(
        {"Error": {"Code": code, "Message": "..."}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PutObject",
    )
    try:
        try:
            raise cause
        except botocore_exceptions.ClientError as exc:
            raise OSError(
                errno.EINVAL, "At least one of the pre-conditions you specified did not hold"
            ) from exc
    except OSError as outer:
        return outer


def test_412_and_409_mean_the_key_is_taken() -> None:
    assert _precondition_failed(_wrapped("PreconditionFailed", 412))
    assert _precondition_failed(_wrapped("ConditionalRequestConflict", 409))


def test_other_errors_are_not_mistaken_for_a_taken_key() -> None:
    assert not _precondition_failed(_wrapped("AccessDenied", 403))
    assert not _precondition_failed(OSError(errno.EIO, "disk"))
