"""The embedded backend: persistence, restarts, several processes, threads, compaction."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from search import IndexSettings, SearchError, SearchQuery, SearchUnavailable, create_backend
from search._engine import Engine
from search.embedded import EmbeddedBackend

from .conftest import SYNONYMS, listing, sample_listings


def total(backend: EmbeddedBackend, **kwargs: object) -> int:
    return backend.search(SearchQuery(**kwargs)).total  # type: ignore[arg-type]


def test_create_backend_without_meili_url_is_embedded(tmp_path: Path):
    backend = create_backend(None, None, str(tmp_path / "idx"))
    assert isinstance(backend, EmbeddedBackend)
    assert backend.stats()["engine"] == "embedded"
    assert (tmp_path / "idx" / "listings.sqlite3").exists()


def test_index_survives_a_restart(tmp_path: Path):
    first = EmbeddedBackend(tmp_path)
    first.configure(IndexSettings(synonyms=SYNONYMS))
    first.upsert(sample_listings())
    first.delete([5])
    first.close()
    again = EmbeddedBackend(tmp_path)
    assert again.stats()["documents"] == 11
    assert {h.id for h in again.search(SearchQuery(q="chair")).hits} >= {12}  # synonyms kept
    assert total(again, q="sofa") == 0


def test_restart_loads_the_snapshot_and_replays_newer_rows(tmp_path: Path, monkeypatch):
    writer = EmbeddedBackend(tmp_path, snapshot_min_changes=1)
    writer.upsert(sample_listings())
    snapshot = tmp_path / "listings.snapshot.npz"
    assert snapshot.exists()
    other = EmbeddedBackend(tmp_path, snapshot_min_changes=10**9)  # never snapshots
    other.upsert([listing(13, "Gulvlampe i messing", "diverse")])
    other.delete([1])

    added: list[int] = []
    real_add = Engine.add

    def counting_add(self: Engine, docs):  # type: ignore[no-untyped-def]
        docs = list(docs)
        added.append(len(docs))
        real_add(self, docs)

    monkeypatch.setattr(Engine, "add", counting_add)
    fresh = EmbeddedBackend(tmp_path)
    assert fresh.stats()["documents"] == 12
    assert sum(added) == 1  # only the row newer than the snapshot was tokenised
    assert total(fresh, q="gulvlampe") == 1
    assert total(fresh, q="kinnarps") == 0
    assert total(fresh, q="capisco") == 1


def test_a_broken_snapshot_falls_back_to_a_rebuild(tmp_path: Path):
    writer = EmbeddedBackend(tmp_path, snapshot_min_changes=1)
    writer.upsert(sample_listings())
    (tmp_path / "listings.snapshot.npz").write_bytes(b"not a zip file")
    fresh = EmbeddedBackend(tmp_path)
    assert fresh.stats()["documents"] == 12
    assert total(fresh, q="capisco") == 1


def test_instances_sharing_a_directory_see_each_others_writes(tmp_path: Path):
    a, b = EmbeddedBackend(tmp_path), EmbeddedBackend(tmp_path)
    a.upsert(sample_listings())
    assert total(b, q="capisco") == 1
    b.delete([2])
    assert total(a, q="capisco") == 0
    b.configure(IndexSettings(synonyms={"lounge": ["sofa"]}))
    assert total(a, q="lounge") == 1
    a.clear()
    assert b.stats()["documents"] == 0
    b.upsert([listing(1, "Kontorstol", "kontorstol")])
    assert total(a, q="kontorstol") == 1


def test_threads_can_search_and_write_at_once(tmp_path: Path):
    backend = EmbeddedBackend(tmp_path)
    backend.upsert(sample_listings())
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(40):
                doc_id = 1000 + worker * 100 + i
                backend.upsert([listing(doc_id, f"Planke {worker} {i}", "diverse")])
                backend.search(SearchQuery(q="planke", facets=["category"], highlight=True))
                if i % 2:
                    backend.delete([doc_id])
        except BaseException as exc:  # noqa: BLE001 - collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert total(backend, q="planke") == 6 * 20
    assert backend.stats()["documents"] == 12 + 6 * 20


def test_replacements_are_compacted(tmp_path: Path):
    backend = EmbeddedBackend(tmp_path)
    for round_ in range(120):
        backend.upsert([listing(i, f"Bjelke runde {round_}", "diverse") for i in range(1, 21)])
    engine = backend._sync()
    assert engine.n < 1500  # 2,400 slots were used; dead ones were dropped
    assert total(backend, q="bjelke") == 20
    assert total(backend, q="runde 119") == 20
    assert total(backend, q="runde 3 ") == 0


def test_an_unusable_path_is_unavailable(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SearchUnavailable):
        EmbeddedBackend(blocker)


@pytest.mark.parametrize("doc", [{"title": "no id"}, {"id": True}, {"id": "x1"}, "text"])
def test_documents_need_an_integer_id(tmp_path: Path, doc: object):
    backend = EmbeddedBackend(tmp_path)
    with pytest.raises(SearchError):
        backend.upsert([doc])  # type: ignore[list-item]
    assert backend.stats()["documents"] == 0


def test_multi_word_synonyms(tmp_path: Path):
    backend = EmbeddedBackend(tmp_path)
    backend.configure(IndexSettings(synonyms={"office chair": ["kontorstol"]}))
    backend.upsert([listing(1, "Kontorstol", "diverse"), listing(2, "Office chair", "diverse")])
    assert total(backend, q="office chair") == 2
    assert total(backend, q="kontorstol") == 1


def test_typo_settings_apply(tmp_path: Path):
    backend = EmbeddedBackend(tmp_path)
    backend.upsert([listing(1, "Sofa", "diverse")])
    assert total(backend, q="sova ") == 0
    backend.configure(IndexSettings(one_typo_min_len=4))
    assert total(backend, q="sova ") == 1


def test_stats_report_size(tmp_path: Path):
    backend = EmbeddedBackend(tmp_path)
    backend.upsert(sample_listings())
    stats = backend.stats()
    assert stats["documents"] == 12 and stats["terms"] > 50 and stats["disk_bytes"] > 0


def test_a_prefix_that_is_a_compound_modifier_ranks_below_the_thing(tmp_path: Path):
    """Embedded only (Meilisearch has no such rule): typing "skjerm" lists the monitor
    (a "dataskjerm" is a skjerm) before the screen wall (a "skjermvegg" is a vegg)."""
    backend = EmbeddedBackend(tmp_path)
    backend.upsert([
        listing(1, "Skjermvegg for åpent landskap", "diverse", published=9),
        listing(2, "Dataskjerm Dell 24 tommer", "diverse", published=1),
        listing(3, "Skjermer, 3 stk", "diverse", published=5),
    ])  # fmt: skip
    hits = backend.search(SearchQuery(q="skjerm")).hits
    assert [h.id for h in hits] == [3, 2, 1]  # prefix of the word, head, modifier
    assert "<mark>Dataskjerm</mark>" in backend.search(
        SearchQuery(q="skjerm", highlight=True)).hits[1].highlights["title"]
    backend.close()


def test_an_old_snapshot_format_is_rebuilt(tmp_path: Path):
    """Snapshots written before compound head terms existed are ignored, not misread."""
    import json

    import numpy as np

    backend = EmbeddedBackend(tmp_path, snapshot_min_changes=1)
    backend.upsert([listing(1, "Kontorstol", "diverse")])
    backend.search(SearchQuery(q="stol"))
    backend.close()
    snap = next(tmp_path.glob("*.snapshot.npz"))
    with np.load(snap) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays["meta"]))
    meta["format"] = 1
    arrays["meta"] = np.array(json.dumps(meta))
    with open(snap, "wb") as fh:
        np.savez(fh, **arrays)
    reopened = EmbeddedBackend(tmp_path)
    assert [h.id for h in reopened.search(SearchQuery(q="stol ")).hits] == [1]
    reopened.close()
