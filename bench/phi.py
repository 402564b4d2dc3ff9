"""Benchmark: precision and recall of the patient-identifier detectors over the test corpus.

    .venv/bin/python bench/phi.py

Counts, per detector, the identifiers found that the corpus expects (true positives), found but
not expected (false positives) and expected but missed (false negatives), over
tests/support/phi_corpus.py, and prints precision and recall, plus the check's time per text as a
ratio to rendering the same text as Markdown (the pipeline every post goes through anyway).
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from childsys.lib.markdown import render_markdown  # noqa: E402
from childsys.lib.phi import PRECEDENCE, find_identifiers  # noqa: E402
from tests.support.phi_corpus import CORPUS  # noqa: E402


def _per_text_seconds(function, texts: list[str], rounds: int = 20) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            function(text)
    return (time.perf_counter() - start) / (rounds * len(texts))


def main() -> None:
    tp, fp, fn = Counter(), Counter(), Counter()
    for text, expected in CORPUS:
        found = {(f.kind, f.value) for f in find_identifiers(text)}
        wanted = set(expected)
        for kind, _ in found & wanted:
            tp[kind] += 1
        for kind, _ in found - wanted:
            fp[kind] += 1
        for kind, _ in wanted - found:
            fn[kind] += 1
    clean = sum(1 for _, expected in CORPUS if not expected)
    print(f"corpus: {len(CORPUS)} texts, {sum(len(e) for _, e in CORPUS)} identifiers, {clean} clean texts")
    print(f"{'detector':<10} {'found':>6} {'false+':>7} {'missed':>7} {'precision':>10} {'recall':>7}")
    for kind in [*PRECEDENCE, "all"]:
        t = sum(tp.values()) if kind == "all" else tp[kind]
        f = sum(fp.values()) if kind == "all" else fp[kind]
        n = sum(fn.values()) if kind == "all" else fn[kind]
        precision = t / (t + f) if t + f else 1.0
        recall = t / (t + n) if t + n else 1.0
        print(f"{kind:<10} {t:>6} {f:>7} {n:>7} {precision:>10.1%} {recall:>7.1%}")
    texts = [text for text, _ in CORPUS]
    check, markdown = _per_text_seconds(find_identifiers, texts), _per_text_seconds(render_markdown, texts)
    print(
        f"check per text: {check * 1e6:.0f} µs, {check / markdown:.2f}x rendering it as Markdown "
        f"({markdown * 1e6:.0f} µs)"
    )


if __name__ == "__main__":
    main()
