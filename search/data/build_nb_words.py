"""Rebuild ``nb_words.tsv.gz`` from wordfreq's Norwegian bokmål list (run by hand, offline after).

    python -m venv /tmp/wf && /tmp/wf/bin/pip install wordfreq==3.1.1
    /tmp/wf/bin/python search/data/build_nb_words.py

Source: wordfreq 3.1.1 (Robyn Speer), ``large_nb`` list; data licence CC BY-SA 4.0
(see ``NOTICE.md`` beside this file).  Kept: alphabetic words of 3..30 letters with a
Zipf frequency of at least 2.0, folded as the search engine folds them (æ->ae,
ø->o, å->aa); when two words fold alike the higher frequency wins.  One line per
word: ``word<TAB>zipf*100``.
"""

from __future__ import annotations

import gzip
import math
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from wordfreq import get_frequency_dict  # noqa: E402

from search.text import fold  # noqa: E402

MIN_ZIPF = 2.0
WORD = re.compile(r"[a-zæøåéèêóòôüöä]{3,30}")


def main() -> None:
    best: dict[str, int] = {}
    for word, freq in get_frequency_dict("nb", "large").items():
        if not WORD.fullmatch(word):
            continue
        zipf = math.log10(freq * 1e9)
        if zipf < MIN_ZIPF:
            continue
        folded = fold(word)
        score = round(zipf * 100)
        if score > best.get(folded, 0):
            best[folded] = score
    out = Path(__file__).with_name("nb_words.tsv.gz")
    body = "".join(f"{w}\t{s}\n" for w, s in sorted(best.items()))
    with gzip.GzipFile(out, "wb", mtime=0) as fh:
        fh.write(body.encode())
    print(f"{len(best)} words -> {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
