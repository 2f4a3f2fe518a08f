"""Only what pyproject.toml cannot say: the wheel carries the live explorers' built front end.

``make js`` bundles it into ``js/build/natgrad-live.mjs`` (generated, never committed, and kept
out of the package's source folder). Building a wheel copies it into the package as
``natgrad_lib/static/natgrad-live.mjs``, where ``natgrad_lib.live.bundle_path`` finds it in an
installed natgrad_lib. Without it (an install from git, where node did not run) the wheel has
no front end, and the explorers show their frame players.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

FRONT_END = Path(__file__).resolve().parent / "js" / "build" / "natgrad-live.mjs"


class BuildPyWithFrontEnd(build_py):
    def run(self):
        super().run()
        if FRONT_END.is_file():
            target = Path(self.build_lib) / "natgrad_lib" / "static" / FRONT_END.name
            self.mkpath(str(target.parent))
            self.copy_file(str(FRONT_END), str(target), preserve_mode=False)


setup(cmdclass={"build_py": BuildPyWithFrontEnd})
