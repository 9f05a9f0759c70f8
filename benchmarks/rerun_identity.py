"""Differential check of re-runs: after each random one-file edit, the report of a re-run
that reuses the previous runs' cache must be byte for byte the report of a cold run.

For each tree (privacyidea's sdist from var/benchmarks/, the synthetic monolith of
`analyze_speed.py`, the repository's `legacy_monolith/`, and evaluation apps' sdists from
var/evaluation/downloads/<name>/), copied into a scratch folder: one run fills the cache,
then, EDITS times, one Python file gets one realistic edit (`tests/support/source_edits.py`:
add a function, change a body, add or remove an import, add a route, change a SQL string,
rename a model's table, delete a function, edit a comment; edits pile up, each run differs
from the run before by one file), and the JSON report of a re-run with the cache is compared
with that of a run without any cache (the counts of facts read from the cache and extracted
aside: they differ by design). Prints one line per edit that differs and a summary per
tree; exits 1 if any differed.

    PYTHONPATH=$PWD python benchmarks/rerun_identity.py [--edits N] [--seed S] [TREE ...]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from analyze_speed import generate_monolith

from analyzer.reports.as_json import render_json
from analyzer.source.discover import discover
from analyzer.usecases import AnalyzeOptions, report_project

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "support"))  # the edits the unit tests make too
from source_edits import EDIT_KINDS  # noqa: E402

PRIVACYIDEA = REPO / "var" / "benchmarks" / "privacyidea-3.14.tar.gz"
EVALUATION = REPO / "var" / "evaluation" / "downloads"
DEFAULT_TREES = ("privacyidea", "synthetic", "legacy_monolith", "flaskbb", "ihatemoney", "lemur")


def normalized(text: str) -> str:
    """The report but for how its facts were had (from the cache or extracted)."""
    report = json.loads(text)
    for count in ("from_cache", "extracted"):
        report["stats"].pop(count, None)
    return json.dumps(report, indent=2, ensure_ascii=False)


def prepare(name: str, scratch: Path) -> Path:
    """The tree called `name`, copied or unpacked under `scratch`; its root."""
    target = scratch / "tree"
    if name == "synthetic":
        generate_monolith(target)
        return target
    if name == "legacy_monolith":
        shutil.copytree(REPO / "legacy_monolith", target / "legacy_monolith")
        return target
    archive = PRIVACYIDEA if name == "privacyidea" else next((EVALUATION / name).glob("*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    (top,) = target.iterdir()
    return top


def check_tree(name: str, edits: int, rng: random.Random, scratch: Path) -> tuple[int, int]:
    """(edits made, edits whose re-run differed from the cold run); also counts the edits
    that changed the report at all (an edit nothing depends on tests little)."""
    root = prepare(name, scratch)
    cached = AnalyzeOptions(show_progress=False, cache_dir=scratch / "cache")
    cold = AnalyzeOptions(show_progress=False, use_cache=False)
    previous = normalized(report_project(root, cached, "json", render_json).report.text)
    python = [f.path for f in discover(root).files if f.kind == "python"]
    made = differed = changed = same_facts = 0
    rerun_seconds = cold_seconds = 0.0
    for serial in range(edits):
        kind = rng.choice(list(EDIT_KINDS))
        for path in rng.sample(python, min(len(python), 200)):
            edited = EDIT_KINDS[kind](path.read_text(errors="replace"), rng, serial)
            if edited is not None:
                break
        else:
            continue
        path.write_text(edited)
        made += 1
        started = time.perf_counter()
        rerun = report_project(root, cached, "json", render_json)
        rerun_seconds += time.perf_counter() - started
        started = time.perf_counter()
        fresh = report_project(root, cold, "json", render_json)
        cold_seconds += time.perf_counter() - started
        text = normalized(rerun.report.text)
        same_facts += rerun.same_facts
        changed += text != previous
        previous = text
        if (rerun.reused and not rerun.same_facts) or text != normalized(fresh.report.text):
            differed += 1
            print(f"  DIFFERS {name}: {kind} in {path.relative_to(root)} (edit {serial})")
    print(
        f"{name}: {made} edits ({changed} changed the report, {same_facts} re-runs reused it "
        f"as no fact changed), {made - differed} identical, "
        f"{differed} differed "
        f"(re-runs {rerun_seconds / max(made, 1):.2f} s, cold runs "
        f"{cold_seconds / max(made, 1):.2f} s on average)",
        flush=True,
    )
    return made, differed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="*", default=list(DEFAULT_TREES))
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    total = failed = 0
    for name in args.trees:
        with tempfile.TemporaryDirectory(prefix="rerun-identity-") as scratch:
            made, differed = check_tree(name, args.edits, rng, Path(scratch))
        total += made
        failed += differed
    print(f"all trees: {total} edits, {total - failed} identical, {failed} differed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
