"""What pyproject.toml cannot say: the top-level data/ goes into the package as ``relaytui.data``.

DESIGN.md keeps the demo municipalities, the writing hints' word lists and the papers' fonts at
the top of the tree (data/), and relaytui.data_files reads them from there in a checkout and from
inside the package once installed. pyproject.toml's package finder cannot add a package that lives
in another folder, so the packages are found here, and data/ is mapped to relaytui/data. The rest
of the configuration (and which files of data/ go along) is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["relaytui*"]), "relaytui.data"],
    package_dir={"relaytui.data": "data"},
)
