"""Manifest and lock file readers (issue 6, E1/E2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.deps.manifests import kind_of, read_manifest
from faasguard.deps.model import GIT, PATH, REGISTRY, URL, Dependency, Manifest

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "deps"


def _read(rel: str) -> Manifest:
    return read_manifest(ROOT / rel, ROOT)


def _by_name(manifest: Manifest) -> dict[str, Dependency]:
    return {d.name: d for d in manifest.dependencies}


def test_file_names() -> None:
    assert kind_of(Path("requirements-prod.txt")) == "requirements"
    assert kind_of(Path("dev-requirements.txt")) == "requirements"
    assert kind_of(Path("requirements.in")) is None
    assert kind_of(Path("npm-shrinkwrap.json")) == "package-lock"
    assert kind_of(Path("setup.py")) is None


def test_requirements_pins_ranges_sources_and_includes() -> None:
    manifest = _read("py/requirements.txt")
    deps = _by_name(manifest)
    assert deps["requests"].version == "2.30.0" and deps["requests"].hashed
    assert deps["requests"].line == 3 and deps["requests"].direct
    assert deps["urllib3"].parents == ("requests",) and not deps["urllib3"].direct
    assert deps["urllib3"].path == "requests > urllib3"
    assert deps["flask"].version is None and deps["flask"].spec == ">=2.0"
    assert deps["internal-lib"].source == GIT
    assert deps["./vendor/localpkg"].source == PATH
    assert deps["pyyaml"].source == URL
    # from the -r include, with its non-default index and the === pin
    jinja = deps["jinja2"]
    assert (jinja.version, jinja.file, jinja.index) == (
        "3.0.0", "py/extra-requirements.txt", "https://pypi.internal.example.com/simple")
    assert any("outside the project" in p and ":13:" in p for p in manifest.problems)


def test_pipfile_lock_sections_and_indexes() -> None:
    deps = _by_name(_read("py/Pipfile.lock"))
    assert deps["requests"].version == "2.30.0" and deps["requests"].index is None
    assert deps["corp-auth"].index == "https://corp.example.com/simple"
    assert deps["mylib"].source == GIT and deps["mylib"].version is None
    assert deps["pytest"].dev and not deps["requests"].dev


def test_poetry_lock_with_parents_from_pyproject() -> None:
    deps = _by_name(_read("poetry/poetry.lock"))
    assert deps["requests"].direct and deps["requests"].hashed
    assert deps["urllib3"].parents == ("requests",) and not deps["urllib3"].direct
    assert deps["private"].source == GIT and deps["private"].version is None


def test_uv_lock_leaves_out_the_project_itself() -> None:
    deps = _by_name(_read("uv/uv.lock"))
    assert set(deps) == {"requests", "urllib3"}
    assert deps["requests"].direct and deps["urllib3"].path == "requests > urllib3"


def test_package_json_specs() -> None:
    deps = _by_name(_read("node-v3/package.json"))
    assert deps["lodash"].version == "4.17.20"
    assert deps["express"].version is None and deps["express"].spec == "^4.17.0"
    assert deps["internal"].source == GIT
    assert deps["jest"].dev


def test_package_lock_v3_resolves_nested_node_modules() -> None:
    manifest = _read("node-v3/package-lock.json")
    nested = [d for d in manifest.dependencies if d.name == "qs"]
    by_version = {d.version: d for d in nested}
    assert by_version["6.7.0"].path == "express > body-parser > qs"
    assert by_version["6.11.0"].parents == ()  # hoisted, required by nobody here
    deps = _by_name(manifest)
    assert deps["express"].direct and not deps["body-parser"].direct
    assert deps["lodash"].index == "https://npm.corp.example.com/lodash"
    assert deps["jest"].dev and deps["express"].hashed


def test_package_lock_v1_uses_package_json_for_direct() -> None:
    deps = _by_name(_read("node-v1/package-lock.json"))
    assert deps["express"].direct
    assert not deps["qs"].direct and deps["qs"].parents == ("express",)
    assert deps["minimist"].parents == ("mkdirp",)


def test_yarn_classic_and_berry() -> None:
    classic = _by_name(_read("yarn1/yarn.lock"))
    assert classic["@babel/core"].version == "7.1.2" and classic["@babel/core"].line == 5
    assert classic["private-lib"].source == GIT
    berry = _by_name(_read("berry/yarn.lock"))
    assert set(berry) == {"lodash"} and berry["lodash"].version == "4.17.20"
    assert berry["lodash"].source == REGISTRY and berry["lodash"].hashed


def test_pnpm_v9_keys_and_direct_dependencies() -> None:
    deps = _by_name(_read("pnpm9/pnpm-lock.yaml"))
    assert deps["@types/node"].version == "20.1.0"
    assert deps["express"].direct and not deps["qs"].direct


@pytest.mark.parametrize(("rel", "message"), [
    ("bad/requirements.txt", "not UTF-8"),
    ("bad/package.json", "invalid JSON"),
    ("bad/pnpm-lock.yaml", "bad/pnpm-lock.yaml"),
])
def test_bad_files_become_problems_naming_the_file(rel: str, message: str) -> None:
    manifest = _read(rel)
    assert manifest.dependencies == ()
    assert message in manifest.problems[0] and rel in manifest.problems[0]
