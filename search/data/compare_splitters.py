"""Compare compound splitters on a hand-labelled list (docs/search.md, "Compounds").

    .venv/bin/python search/data/compare_splitters.py [--hunspell /path/nb_NO.dic]

Gold: ``tests/search/compound_gold.json``: every word of 6+ letters in the titles of
``bench/relevance/listings.jsonl``, labelled with its head (the thing it is: "stol" for
"kontorstoler") or "" when a search for a part should not find it (plain, inflected,
lexicalised or brand words: "barnehage", "trelast", "Steelcase").  Labelled by hand
after reading the chosen splitter's output, so read the numbers as indicative.

Splitters, all through the same rules (``search.compound.split_with``):

* ``wordfreq``: the vendored bokmål frequency list (chosen);
* ``hunspell``: Debian's hunspell-no ``nb_NO.dic`` stems, every word equally frequent
  (the classic dictionary splitter: known words stay whole, unknown ones split into
  the fewest known parts); needs the file, which we do not ship;
* ``learned``: only the words of the indexed listings themselves, with their counts
  (parts learned from the index vocabulary, no outside data).

A head is right when the splitter's head equals the gold head, or both say "no
compound".  Reported: accuracy, precision and recall of "is a compound with this head".
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from search.compound import _words, split_with  # noqa: E402
from search.text import fold, tokens  # noqa: E402


def score(name: str, split, gold: dict[str, str]) -> None:
    right = tp = predicted = wanted = 0
    wrong: list[str] = []
    for word, head in gold.items():
        parts = split(fold(word))
        got = parts[-1] if parts else ""
        right += got == head
        predicted += bool(got)
        wanted += bool(head)
        tp += bool(got) and got == head
        if got != head:
            wrong.append(f"{word}:{got or '-'}")
    p = tp / predicted if predicted else 0.0
    r = tp / wanted if wanted else 0.0
    print(f"{name:9} accuracy {right / len(gold):.3f}  head precision {p:.3f}  "
          f"recall {r:.3f}  ({len(wrong)} wrong)")
    print("          wrong:", " ".join(wrong[:40]), "..." if len(wrong) > 40 else "")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hunspell", help="path of nb_NO.dic (Debian hunspell-no)")
    args = ap.parse_args()
    gold = json.loads((ROOT / "tests/search/compound_gold.json").read_text())
    freq = _words()
    score("wordfreq", lambda w: split_with(w, freq), gold)
    if args.hunspell:
        stems: dict[str, float] = {}
        dic = Path(args.hunspell)
        aff_file = dic.with_suffix(".aff")
        aff = aff_file.read_bytes().decode("latin-1") if aff_file.exists() else ""
        enc = next((ln.split()[1] for ln in aff.splitlines() if ln.startswith("SET ")), "utf-8")
        for line in dic.read_text(encoding=enc).splitlines()[1:]:
            stem = fold(line.split("/", 1)[0].strip())
            if stem.isalpha() and len(stem) >= 3:
                stems[stem] = 3.0
        score("hunspell", lambda w: split_with(w, stems), gold)
        # The same stems, but a word listed as a whole may still be split.
        score("hunspell*", lambda w: split_with(w, _without(stems, w)), gold)
    counts: Counter[str] = Counter()
    for line in (ROOT / "bench/relevance/listings.jsonl").read_text().splitlines():
        doc = json.loads(line)
        for field in ("title", "description", "material"):
            counts.update(fold(t) for t in tokens(str(doc.get(field) or "")) if t.isalpha())
    total = sum(counts.values())
    # Zipf-like scale: a word seen once scores 2.0, ten times 3.0; the word being split
    # is left out (it is always in its own index).
    learned = {w: 2.0 + math.log10(c) for w, c in counts.items() if len(w) >= 3}
    print(f"(learned: {len(learned)} words from {total} tokens)")
    score("learned", lambda w: split_with(w, _without(learned, w)), gold)


def _without(words: dict[str, float], word: str) -> dict[str, float]:
    if word not in words:
        return words
    out = dict(words)
    del out[word]
    return out


if __name__ == "__main__":
    main()
