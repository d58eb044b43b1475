from __future__ import annotations

from pathlib import Path

from faasguard.config import Config
from faasguard.engine import scan
from faasguard.loaders.base import LoadOptions
from faasguard.loaders.discover import discover


def test_binary_file_under_a_template_name_is_reported_in_a_directory_scan(
        tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "template.yaml").write_bytes(b"\x7fELF\0" + bytes(range(256)))
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.json").write_bytes(b"\0\x01\x02binary")
    found = [c.path.relative_to(tmp_path).as_posix() for c in discover([tmp_path], tmp_path)]
    assert found == ["svc/template.yaml"]  # the binary logo.json is not ours to report
    result = scan([tmp_path], LoadOptions(root=tmp_path), Config())
    assert result.files_failed == 1
    assert any("binary" in d.message and d.loc.file == "svc/template.yaml"
               for d in result.diagnostics)
