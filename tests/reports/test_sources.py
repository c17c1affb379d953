"""SourceReader: lines numbered as Python numbers them; every failure is a reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.reports.sources import MAX_SOURCE_BYTES, SourceReader, split_lines


def test_reads_lines_relative_to_the_root(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("a = 1\nb = 2\n", encoding="utf-8")
    source = SourceReader(tmp_path).read("pkg/m.py")
    assert source.available
    assert source.lines == ("a = 1", "b = 2")


def test_line_numbers_match_python_with_form_feeds_and_odd_line_ends(tmp_path: Path) -> None:
    # Python (and so coverage.py) counts \n, \r\n and \r as line ends, not \f or \u2028.
    text = "x = 1\r\n\fy = 2\rz = '\u2028'\nlast = 4"
    (tmp_path / "m.py").write_bytes(text.encode("utf-8"))
    lines = SourceReader(tmp_path).read("m.py").lines
    code = compile(text, "m.py", "exec")
    last_line = max(line for _, _, line in code.co_lines() if line is not None)
    assert len(lines) == last_line == 4
    assert lines[3] == "last = 4"


def test_honours_the_encoding_cookie_and_the_bom(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes("# -*- coding: latin-1 -*-\ns = 'café'\n".encode("latin-1"))
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbfs = 1\n")
    reader = SourceReader(tmp_path)
    assert reader.read("latin.py").lines[1] == "s = 'café'"
    assert reader.read("bom.py").lines == ("s = 1",)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.py", b"s = '\xff\xfe'\n", "cannot decode"),
        ("cookie.py", b"# coding: no-such-codec\n", "cannot decode"),
        ("data.py", b"abc\0def", "binary file"),
    ],
)
def test_undecodable_files_give_a_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    (tmp_path / name).write_bytes(content)
    source = SourceReader(tmp_path).read(name)
    assert not source.available
    assert source.lines == ()
    assert source.unavailable.startswith(f"source not available: {reason}")


def test_missing_outside_and_invalid_paths_give_a_reason(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (tmp_path / "secret.py").write_text("x = 1\n", encoding="utf-8")
    reader = SourceReader(root)
    assert reader.read("gone.py").unavailable == (
        "source not available: No such file or directory"
    )
    assert reader.read("../secret.py").unavailable == "source not available: outside the project"
    assert reader.read(str(tmp_path / "secret.py")).unavailable.endswith("outside the project")
    assert reader.read("a\0b.py").unavailable == "source not available: embedded null byte"
    assert reader.read("").unavailable == "source not available: no path"


def test_a_symlink_out_of_the_project_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (tmp_path / "secret.py").write_text("x = 1\n", encoding="utf-8")
    os.symlink(tmp_path / "secret.py", root / "link.py")
    assert SourceReader(root).read("link.py").unavailable.endswith("outside the project")


def test_huge_files_are_not_inlined(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_bytes(b"#" * (MAX_SOURCE_BYTES + 1))
    assert SourceReader(tmp_path).read("big.py").unavailable.startswith("source not shown")


def test_split_lines_drops_only_the_final_line_end() -> None:
    assert split_lines("a\n\nb\n") == ["a", "", "b"]
    assert split_lines("a") == ["a"]
    assert split_lines("") == []
