"""write_reports: every format, written atomically, parseable, and valid."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from auditor.output_folder import MANIFEST_NAME
from auditor.reports import FORMATS, available_formats, write_atomic, write_reports
from auditor.reports.json_report import validate_report
from tests.reports import samples
from tests.reports.htmltree import parse

CORE_FORMATS = {"index.html", "report.md", "report.json", "junit.xml"}


def test_writes_every_format_into_a_new_folder(tmp_path: Path) -> None:
    root = samples.write_project(tmp_path / "project")
    output = tmp_path / "out" / "nested"
    written = write_reports(samples.audit_result(), output, root)
    names = {p.name for p in written}
    assert names >= CORE_FORMATS
    assert all(p.parent == output and p.is_file() for p in written)
    # no temporary file left behind; the manifest names what we wrote
    assert sorted(os.listdir(output)) == sorted(names | {MANIFEST_NAME})
    validate_report(json.loads((output / "report.json").read_text(encoding="utf-8")))
    assert ET.parse(output / "junit.xml").getroot().tag == "testsuites"
    page = parse((output / "index.html").read_text(encoding="utf-8"))
    assert page.find("details", data_path=samples.CORE_PATH).find_all("tr", class_="miss")
    assert (output / "report.md").read_text(encoding="utf-8").startswith("## ")


def test_rewriting_replaces_the_previous_reports(tmp_path: Path) -> None:
    output = tmp_path / "out"
    write_reports(samples.audit_result(project="first"), output, tmp_path)
    write_reports(samples.audit_result(project="second"), output, tmp_path)
    assert json.loads((output / "report.json").read_text(encoding="utf-8"))["project"] == "second"


def test_a_failed_write_keeps_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old report\n", encoding="utf-8")
    # A lone surrogate cannot be encoded as UTF-8: the write fails midway.
    with pytest.raises(UnicodeEncodeError, match="surrogates not allowed"):
        write_atomic(target, "new report " + "\ud800")
    assert target.read_text(encoding="utf-8") == "old report\n"
    assert os.listdir(tmp_path) == ["report.md"]


def test_format_list_names_the_planned_formats_and_skips_missing_ones() -> None:
    assert FORMATS[:4] == [
        "auditor.reports.html",
        "auditor.reports.markdown",
        "auditor.reports.json_report",
        "auditor.reports.junit",
    ]
    assert "auditor.reports.sarif" in FORMATS
    loaded = available_formats()
    # An analysis's own format is found through the registry (report_formats).
    assert "auditor.mutation.elements_report" in [m.__name__ for m in loaded]
    assert [m.__name__ for m in loaded][:4] == FORMATS[:4]
    for module in loaded:
        assert isinstance(module.FILENAME, str) and callable(module.render)
