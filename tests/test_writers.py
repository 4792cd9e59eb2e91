"""Tests of forecast/export/writers.py: atomic writes (temp file + rename) and the files of a run.

Failures are injected with monkeypatch (``os.replace`` or the file write raising); the folder must
then hold either the old file or nothing, never a partial file or a leftover temp file.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from forecast.errors import ExportError
from forecast.export import writers
from forecast.export.writers import atomic_write_text
from forecast.report.scenario_folder import write_outputs

TEXT = "quarter,metric\r\n2024Q1,stock\n" + "x" * 100_000 + "\n"


def test_writes_the_text_exactly(tmp_path):
    path = tmp_path / "deep" / "er" / "out.csv"
    assert atomic_write_text(path, TEXT) == path
    assert path.read_bytes() == TEXT.encode("utf-8")  # no newline translation


def test_leaves_no_temp_file(tmp_path):
    atomic_write_text(tmp_path / "a.csv", "one\n")
    atomic_write_text(tmp_path / "a.csv", "two\n")
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]
    assert (tmp_path / "a.csv").read_text(encoding="utf-8") == "two\n"


def test_non_ascii_text_is_utf8(tmp_path):
    atomic_write_text(tmp_path / "r.md", "2024Q1 – 2040Q4 ≥ 95%\n")
    assert (tmp_path / "r.md").read_bytes() == "2024Q1 – 2040Q4 ≥ 95%\n".encode("utf-8")


def test_written_file_has_ordinary_permissions(tmp_path):
    """Reports are shared: the file mode follows the umask like any other new file (0644 under 022)."""
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "summary.csv", "a\n")
        (tmp_path / "plain.csv").write_text("a\n", encoding="utf-8")
    finally:
        os.umask(old)
    assert oct(stat.S_IMODE((tmp_path / "plain.csv").stat().st_mode)) == "0o644"
    assert oct(stat.S_IMODE((tmp_path / "summary.csv").stat().st_mode)) == "0o644"


def failing_replace(*_args, **_kwargs):
    raise OSError(errno.EXDEV, "Invalid cross-device link")


def test_failed_rename_keeps_the_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "summary.csv"
    path.write_text("old content\n", encoding="utf-8")
    monkeypatch.setattr(writers.os, "replace", failing_replace)
    with pytest.raises(ExportError) as info:
        atomic_write_text(path, TEXT)
    assert str(path) in str(info.value)
    assert path.read_text(encoding="utf-8") == "old content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.csv"]


def test_failed_rename_of_a_new_file_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(writers.os, "replace", failing_replace)
    with pytest.raises(ExportError):
        atomic_write_text(tmp_path / "new.csv", TEXT)
    assert list(tmp_path.iterdir()) == []


class HalfWriter:
    """A file object that writes half of what it is given, then fails as a full disk would."""

    def __init__(self, fh):
        self.fh = fh

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()
        return False

    def write(self, text):
        self.fh.write(text[: len(text) // 2])
        self.fh.flush()
        raise OSError(errno.ENOSPC, "No space left on device")


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    real_fdopen = os.fdopen
    monkeypatch.setattr(writers.os, "fdopen", lambda *a, **k: HalfWriter(real_fdopen(*a, **k)))
    path = tmp_path / "report.md"
    path.write_text("previous report\n", encoding="utf-8")
    with pytest.raises(ExportError) as info:
        atomic_write_text(path, TEXT)
    assert str(path) in str(info.value)
    assert path.read_text(encoding="utf-8") == "previous report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_interrupt_during_write_cleans_up_and_propagates(tmp_path, monkeypatch):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(writers.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(tmp_path / "a.csv", "text\n")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_folder_raises_export_error_naming_the_path(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be\n", encoding="utf-8")
    target = blocker / "baseline" / "summary.csv"
    with pytest.raises(ExportError) as info:
        atomic_write_text(target, "a\n")
    assert str(target) in str(info.value)


def test_write_outputs_writes_csv_without_comment_lines_and_meta_json(tmp_path, write_yaml, mini_text):
    import forecast.engine as engine
    from forecast.io.scenario import load_scenario

    loaded = load_scenario(write_yaml("mini.yaml", mini_text))
    result = engine.run(loaded.scenario, samples=300, provenance=loaded.provenance)
    written = write_outputs(result, tmp_path / "out" / "mini")
    names = sorted(Path(p).name for p in written)
    assert names == ["exhaustion.csv", "exhaustion_cdf.csv", "inputs.csv", "meta.json", "report.md", "summary.csv"]
    assert sorted(p.name for p in (tmp_path / "out" / "mini").iterdir()) == names
    for path in written:
        if path.suffix == ".csv":
            assert path.read_text(encoding="utf-8").splitlines()[0].startswith("scenario,")
    assert result.scenario_hash in (tmp_path / "out" / "mini" / "meta.json").read_text(encoding="utf-8")


def test_output_set_is_swapped_in_whole_and_keeps_foreign_files(tmp_path, monkeypatch):
    import forecast.engine as engine
    from forecast.export import writers
    from forecast.io.scenario import load_scenario
    from pathlib import Path as _P

    root = _P(__file__).resolve().parents[1]
    result = engine.run(load_scenario(root / "scenarios" / "baseline.yaml").scenario, samples=300)
    out = tmp_path / "baseline"
    first = write_outputs(result, out)
    (out / "my-notes.txt").write_text("planner's own file", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in first}

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    import forecast.report.markdown as markdown
    monkeypatch.setattr(markdown, "render_report", broken)
    from forecast.errors import ExportError

    with pytest.raises(ExportError, match="No space left"):
        write_outputs(result, out)
    # the failed second write left the first set exactly as it was, and no staging folders
    assert {p.name: p.read_bytes() for p in first} == before
    assert (out / "my-notes.txt").read_text(encoding="utf-8") == "planner's own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline"]
    monkeypatch.undo()
    write_outputs(result, out)
    assert (out / "my-notes.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline"]


# --------------------------------------------------------------------------- leftovers of a killed writer


def test_staging_and_old_folders_have_recognisable_names(tmp_path, monkeypatch):
    """While a set is being swapped in, the folders beside it are named .F.peakdata-<kind>-…"""
    seen = []
    real = writers.os.replace

    def watch(src, dst):
        seen.append((Path(src).name, Path(dst).name))
        real(src, dst)

    folder = tmp_path / "2026Q4"
    folder.mkdir()
    monkeypatch.setattr(writers.os, "replace", watch)
    with writers.staged(folder) as staging:
        (staging / "report.md").write_text("new\n", encoding="utf-8")
    old_aside, staged_in = seen
    assert old_aside == ("2026Q4", f".2026Q4.peakdata-old-{os.getpid()}")
    assert staged_in[0].startswith(".2026Q4.peakdata-staging-") and staged_in[1] == "2026Q4"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026Q4"]


def test_clean_stale_removes_only_this_folders_leftovers(tmp_path):
    folder = tmp_path / "2026Q4"
    (folder / "charts").mkdir(parents=True)
    (folder / "report.md").write_text("the report\n", encoding="utf-8")
    left = [tmp_path / ".2026Q4.peakdata-staging-k1ll3d00", tmp_path / ".2026Q4.peakdata-check-abc",
            tmp_path / ".2026Q4.peakdata-old-4242"]
    for path in left:
        (path / "data").mkdir(parents=True)
        (path / "data" / "half.csv").write_text("quarter\n", encoding="utf-8")
    kept = [tmp_path / ".2026Q4-partial-0123abcd.peakdata-staging-x", tmp_path / ".2026Q4.old",
            tmp_path / ".git", tmp_path / "2026Q3"]
    for path in kept:
        path.mkdir()
    (tmp_path / ".2026Q4.peakdata-staging-a-file").write_text("not a folder\n", encoding="utf-8")
    (tmp_path / ".2026Q4.lock").touch()
    assert writers.side_folders(folder) == sorted(left)
    done = writers.clean_stale(folder)
    assert done == [f"removed {path}, left by an interrupted report" for path in sorted(left)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".2026Q4-partial-0123abcd.peakdata-staging-x", ".2026Q4.old", ".git", "2026Q3", "2026Q4",
         ".2026Q4.peakdata-staging-a-file", ".2026Q4.lock"])
    assert (folder / "report.md").read_text(encoding="utf-8") == "the report\n"
    assert writers.clean_stale(folder) == [] and writers.side_folders(tmp_path / "missing" / "x") == []


def test_clean_stale_puts_back_the_report_a_writer_died_swapping_out(tmp_path):
    """Killed between the two renames of swap_in: the folder is gone, the previous set is aside and
    the new one still staged. The previous set comes back (the archive never heard of the new one)."""
    folder = tmp_path / "2026Q4"
    old = tmp_path / ".2026Q4.peakdata-old-4242"
    old.mkdir()
    (old / "report.md").write_text("last good report\n", encoding="utf-8")
    staging = tmp_path / ".2026Q4.peakdata-staging-n3wn3wn3"
    staging.mkdir()
    (staging / "report.md").write_text("new report\n", encoding="utf-8")
    assert writers.clean_stale(folder) == [
        f"restored {folder} from {old.name}, left by an interrupted report",
        f"removed {staging}, left by an interrupted report"]
    assert (folder / "report.md").read_text(encoding="utf-8") == "last good report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026Q4"]
