"""A mixed inbox of real and hostile submission files, and a summary of an intake's end state.

The valid files are the documented examples: real rows of the 2020 dump
(EfficientNet, NoisyStudent, ... on ImageNet). The tiny source holds none of
them, so a release built from the tiny source gains new results from them,
while the full sample already has every one (a resubmission adds nothing).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.support.builds import ROOT

EXAMPLES = ROOT / "docs" / "examples"
COMMUNITY = ROOT / "tests" / "fixtures" / "submissions" / "community"

EXPECTED = {
    # file name in the inbox -> status it must end with
    "submission.json": "accepted",
    "submission.yaml": "accepted",
    "model-index.yaml": "accepted",
    "evaluation-tables.json": "accepted",
    "submission.resent.json": "duplicate",
    "arxiv-2507.22176.json": "rejected",
    "2508.00017.json": "rejected",
    "not-utf8.json": "rejected",
    "nan.json": "rejected",
    "duplicate-keys.json": "rejected",
    "alias-bomb.yaml": "rejected",
    "deep.json": "rejected",
    "huge-string.json": "rejected",
    "control-chars.json": "rejected",
    "too-large.json": "rejected",
    "sub/../../etc/passwd.json": "rejected",
    "truncated.json": "rejected",
}


def make_mixed_inbox(inbox: Path, max_bytes: int = 2_000_000) -> dict[str, str]:
    """Fill ``inbox`` with every case of :data:`EXPECTED`; returns it."""
    inbox.mkdir(parents=True, exist_ok=True)
    for name in ("submission.json", "submission.yaml", "model-index.yaml", "evaluation-tables.json"):
        shutil.copy(EXAMPLES / name, inbox / name)
    # The same content as submission.json, key order and whitespace changed: one submission id.
    doc = json.loads((EXAMPLES / "submission.json").read_text(encoding="utf-8"))
    (inbox / "submission.resent.json").write_text(json.dumps(doc, sort_keys=True), encoding="utf-8")
    for path in COMMUNITY.glob("*.json"):
        shutil.copy(path, inbox / path.name)
    (inbox / "not-utf8.json").write_bytes(
        b'{"schema_version": 1, "license": "CC-BY-SA-4.0", "x": "\xff\xfe"}'
    )
    (inbox / "nan.json").write_text('{"schema_version": 1, "results": [{"metrics": {"Top-1": NaN}}]}')
    (inbox / "duplicate-keys.json").write_text(
        '{"schema_version": 1, "license": "CC-BY-SA-4.0", "license": "MIT"}'
    )
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    (inbox / "alias-bomb.yaml").write_text(bomb)
    (inbox / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    long_doc = json.loads((EXAMPLES / "submission.json").read_text(encoding="utf-8"))
    long_doc["results"][0]["notes"] = "x" * 100_000
    (inbox / "huge-string.json").write_text(json.dumps(long_doc))
    ctrl = json.loads((EXAMPLES / "submission.json").read_text(encoding="utf-8"))
    ctrl["results"][0]["model"] = "EfficientNet\x1b[2J\u202eB0"
    (inbox / "control-chars.json").write_text(json.dumps(ctrl))
    (inbox / "too-large.json").write_bytes(b" " * (max_bytes + 10) + b"{}")
    (inbox / "sub").mkdir(exist_ok=True)
    # A name that looks like a path: a real file "sub/..%2F..%2Fetc%2Fpasswd.json" is impossible on
    # POSIX, so the hostile part is in the document instead (model and file names are data).
    hostile = json.loads((EXAMPLES / "submission.json").read_text(encoding="utf-8"))
    hostile["results"][0]["model"] = "../../etc/passwd"
    hostile["license"] = "MIT"
    (inbox / "sub" / "passwd.json").write_text(json.dumps(hostile))
    text = (EXAMPLES / "submission.json").read_text(encoding="utf-8")
    (inbox / "truncated.json").write_text(text[: len(text) // 2])
    expected = dict(EXPECTED)
    expected["sub/passwd.json"] = expected.pop("sub/../../etc/passwd.json")
    return expected


def intake_state(root: Path) -> dict[str, Any]:
    """What an intake left behind, without receipt ids or times: comparable across runs.

    ``files``: file name -> (status, submission id, error codes) for every receipt;
    ``originals``: sha256 of every kept original (one per file received); plus the
    inbox and claims left over.
    """
    import hashlib

    files: dict[str, list[Any]] = {}
    originals: list[str] = []
    for receipt_path in sorted(root.glob("accepted/*/receipts/*.json")) + sorted(
        root.glob("rejected/*/receipt.json")
    ):
        receipt = json.loads(receipt_path.read_text(encoding="utf-8"))
        codes: list[str] = []
        report = receipt_path.parent / "report.json"
        if report.is_file():
            codes = sorted({p["code"] for p in json.loads(report.read_text(encoding="utf-8"))["problems"]})
        key = receipt["file_name"]
        files.setdefault(key, []).append((receipt["status"], receipt["submission_id"], codes))
    for original in sorted(root.glob("accepted/*/originals/*")) + sorted(root.glob("rejected/*/original")):
        originals.append(hashlib.sha256(original.read_bytes()).hexdigest())
    return {
        "files": {k: sorted(v) for k, v in sorted(files.items())},
        "originals": sorted(originals),
        "accepted_ids": sorted(p.name for p in root.glob("accepted/*")),
        "inbox": sorted(str(p.relative_to(root)) for p in (root / "inbox").rglob("*") if p.is_file()),
        "claims": sorted(p.name for p in (root / "claimed").glob("*")),
    }
