"""Copies the root data folders into the wheel as ``massgen/_data/`` (see ``massgen/resources.py``).

The design card keeps ``capabilities/``, ``schema/`` and ``templates/`` at the repository root, beside the
package; a built wheel must still carry them, so ``build_py`` copies them in.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA_DIRS = ("capabilities", "schema", "templates")


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        root = Path(__file__).parent
        for name in DATA_DIRS:
            if not (root / name).is_dir():
                continue
            target = Path(self.build_lib) / "massgen" / "_data" / name
            shutil.copytree(root / name, target, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithData})
