"""data/ (DESIGN.md): every file there is read by the one loader, and a wheel carries them all.

The demo municipalities and the writing hints' word lists left Python for data files; a typo in
one would otherwise show only when somebody builds the demo or types a word in that language.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from relaytui import data_files, demo
from relaytui.demo_large import storeby
from relaytui.services import writing

ROOT = Path(__file__).resolve().parent.parent


def test_the_loader_finds_the_top_level_data_folder_in_a_checkout():
    assert data_files.folder() == ROOT / "data"


def test_every_data_file_is_read():
    files = data_files.every_file()
    tomls = [name for name in files if name.endswith(".toml")]
    assert {name for name in tomls if name.startswith("demo/")} == {
        "demo/dk.toml",
        "demo/no.toml",
        "demo/large.toml",
    }
    assert {name for name in tomls if name.startswith("writing/")} == {
        f"writing/{language}.toml" for language in writing.LANGUAGES
    }
    for name in tomls:
        assert data_files.read_toml(*name.split("/")), name
    fonts = data_files.fonts()
    for font in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE"):
        assert (fonts / font).stat().st_size > 0
    assert set(files) == {
        *tomls,
        data_files.MARK,
        "fonts/DejaVuSans.ttf",
        "fonts/DejaVuSans-Bold.ttf",
        "fonts/LICENSE",
    }, "a file in data/ that nothing reads"


@pytest.mark.parametrize("profile", demo.PROFILES)
def test_each_demo_municipality_is_whole(profile):
    land = demo.country(profile)
    usernames = {username for username, *_rest in land.staff}
    kinds = {kind for _name, kind, _phone in land.units}
    assert land.profile == profile and land.holders and set(land.holders) <= usernames
    assert {kind for *_rest, kind, _role in land.staff} <= kinds == set(land.leaders)
    assert set(land.leaders.values()) <= usernames
    assert {land.psychologist, land.psychologist_stand_in, land.handover_from} <= usernames
    assert {
        staff for _what, staff, _home in land.efforts if staff not in (None, "holder")
    } <= usernames
    assert len(land.level_reasons) == 3 and len(land.minutes) == 3
    if land.plan is not None:
        assert set(land.plan[:2]) <= usernames


def test_the_large_demo_has_its_words():
    assert storeby.FIRST and storeby.LAST and storeby.AGENDA and storeby.UNIT_KINDS
    kinds = {kind for kind, _name in storeby.UNIT_KINDS} | {storeby.STOREBY["first_unit"]["kind"]}
    assert kinds <= set(storeby.PROFESSIONS)


@pytest.mark.parametrize("language", writing.LANGUAGES)
def test_each_word_list_compiles(language):
    table = writing.word_table(language)
    assert table.official and table.vague_time and table.interpretation
    for pattern in (
        *table.impersonal,
        *table.passive,
        *(word for word, _plain in table.official),
        *table.vague_time,
        *table.interpretation,
    ):
        assert "${" not in pattern, f"a piece that is not in [pieces]: {pattern}"
        re.compile(pattern)
    assert all(re.compile(pattern).groupindex.get("verb") for pattern in table.passive)
    writing.hints("Et ord.", language)  # the whole table compiles into the finder


def test_a_wheel_built_from_the_tree_carries_data(tmp_path):
    """pip builds the wheel from a copy of the tree (so no build/ is left in the checkout)."""
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "relaytui", tree / "relaytui", ignore=skip)
    shutil.copytree(ROOT / "data", tree / "data", ignore=skip)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "--disable-pip-version-check",
            "-w",
            str(tmp_path / "wheel"),
            str(tree),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "wheel").glob("relaytui-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"relaytui/data/{name}" for name in data_files.every_file()} <= names
    assert "relaytui/data_files.py" in names and not any(name.startswith("data/") for name in names)
    # Installed, the loader finds data/ inside the package (-S: without the checkout's editable finder).
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    found = subprocess.run(
        [sys.executable, "-S", "-c", "from relaytui import data_files; print(data_files.folder())"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(site)},
        cwd=tmp_path,
        timeout=60,
    )
    assert found.stdout.strip() == str(site / "relaytui" / "data"), found.stderr
