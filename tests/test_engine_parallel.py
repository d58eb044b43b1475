"""A scan of many files in worker processes gives what a scan in one process gives, in
the same order: apps, findings, diagnostics and counts."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from faasguard.config import Config
from faasguard.engine import PARALLEL_FROM, scan
from faasguard.loaders.base import LoadOptions

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _project(root: Path) -> Path:
    """Copies of the example apps, each a little different so none is a twin, plus a
    twin, an unreadable template and a file the scanner only warns about."""
    for index in range(PARALLEL_FROM + 2):
        name = "shop-sam" if index % 2 else "shop-serverless"
        target = root / f"app-{index:02d}"
        shutil.copytree(EXAMPLES / name, target)
        for template in (*target.glob("template.yaml"), *target.glob("serverless.yml")):
            # a service name of its own: apps are told apart by name in places
            text = template.read_text(encoding="utf-8").replace(
                "service: shop\n", f"service: shop-{index:02d}\n")
            template.write_text(text + f"# copy {index}\n", encoding="utf-8")
    shutil.copytree(root / "app-01", root / "app-twin")
    (root / "broken").mkdir()
    (root / "broken" / "serverless.yml").write_text("service: broken\nprovider: {name: aws\n",
                                                     encoding="utf-8")
    return root


@pytest.mark.skipif(sys.platform != "linux", reason="worker processes are forked on Linux")
def test_workers_give_the_same_result(tmp_path: Path) -> None:
    root = _project(tmp_path)
    opts = LoadOptions(root=root)
    one = scan([root], opts, Config(), jobs=1)
    two = scan([root], opts, Config(), jobs=2)
    assert one.files_scanned >= PARALLEL_FROM and one.files_failed == 1
    assert any("same content as" in d.message for d in one.diagnostics)
    assert (two.files_scanned, two.files_failed) == (one.files_scanned, one.files_failed)
    assert two.apps == one.apps
    assert two.findings == one.findings
    assert two.diagnostics == one.diagnostics
    assert [f.suppressed for f in two.findings] == [f.suppressed for f in one.findings]
