"""After ``otter assign``: the student bundle, the Gradescope zip and the instructor release.

Usage (``make assignments`` runs this for each assignment)::

    python assignments/release.py dist/<a> --wheel-dir dist/wheel

- The notebooks' first cell finds the notebook by its assignment name (stored in its
  metadata) instead of by file name, so a renamed download (``a1 (1).ipynb``) still works.
- ``dist/<a>/<a>-student.zip``: the student notebook, the ``natgrad_lib`` wheel that
  ``make`` built, a ``requirements.txt`` (the wheel, with its base dependencies numpy, scipy
  and sympy), ``natgrad_check.py`` (runs the public tests when otter-grader is not
  installed) and a README. No solutions, no hidden tests; students need neither a clone nor
  ``make``.
- The Gradescope autograder zip gets the wheel, and its ``environment.yml`` installs it.
- ``dist/<a>/<a>-instructor.zip``: the answer key (the autograder notebook with the model
  answers and rubrics) and the Gradescope zip. Keep it away from students.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

import yaml

INIT_CELL = '''# Initialize the checks. The notebook finds its own file by its assignment name, so the
# checks still work when the file has been renamed (for example "{name} (1).ipynb"). They use
# otter-grader if it is installed, and otherwise natgrad_check.py from the student bundle.
import glob
import json


def _this_notebook(name):
    for path in sorted(glob.glob("*.ipynb")):
        try:
            with open(path, encoding="utf-8") as f:
                if json.load(f).get("metadata", {{}}).get("otter", {{}}).get("assignment_name") == name:
                    return path
        except (OSError, ValueError):
            pass
    raise FileNotFoundError(f"no notebook of assignment {{name!r}} in this folder: open this "
                            "notebook from the folder it is saved in")


try:
    import otter
except ImportError:
    import natgrad_check as otter

grader = otter.Notebook(_this_notebook("{name}"))'''

README = """{name}: student bundle
{underline}

1. Unzip this file. It makes the folder {name}; open a terminal in that folder
   (the paths below are relative to it).
2. Install the packages, once, into a fresh virtual environment (Python 3.11 or newer):

       python3 -m venv .venv
       .venv/bin/pip install -r requirements.txt      (Windows: .venv\\Scripts\\pip)

   This installs natgrad_lib from the wheel in this folder, with numpy, scipy and sympy.
   It needs no copy of the natgrad repository. The checks in the notebook run with
   natgrad_check.py from this folder (or with otter-grader, if you have it).
3. Open {name}.ipynb in Jupyter (with the kernel of that environment; if you have no
   Jupyter yet: .venv/bin/pip install jupyterlab) and follow the instructions in its
   first cell. Submit the .ipynb file; renaming it does no harm.
"""


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def fix_init_cell(path: Path, name: str) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    hits = [c for c in nb["cells"] if c["cell_type"] == "code"
            and "otter.Notebook(" in _source(c) and "# Initialize Otter" in _source(c)]
    if len(hits) != 1:
        raise SystemExit(f"{path}: expected one otter init cell, found {len(hits)}")
    hits[0]["source"] = INIT_CELL.format(name=name)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assigned", type=Path, help="output folder of otter assign, dist/<a>")
    parser.add_argument("--wheel-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    out, name = args.assigned, args.assigned.name
    wheels = sorted(args.wheel_dir.glob("natgrad_lib-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one natgrad_lib wheel in {args.wheel_dir}, found {wheels}")
    wheel = wheels[0]
    student_nb = out / "student" / f"{name}.ipynb"
    key_nb = out / "autograder" / f"{name}.ipynb"
    for nb in (student_nb, key_nb):
        fix_init_cell(nb, name)

    student_files = sorted(p for p in (out / "student").rglob("*") if p.is_file())
    if [p.name for p in student_files] != [f"{name}.ipynb"]:
        raise SystemExit(f"unexpected files in {out / 'student'}: {student_files}")
    with zipfile.ZipFile(out / f"{name}-student.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(student_nb, f"{name}/{name}.ipynb")
        zf.write(wheel, f"{name}/{wheel.name}")
        zf.writestr(f"{name}/requirements.txt", f"./{wheel.name}\n")
        zf.write(Path(__file__).with_name("student_check.py"), f"{name}/natgrad_check.py")
        zf.writestr(f"{name}/README.txt", README.format(name=name, underline="=" * (len(name) + 17)))

    zips = sorted((out / "autograder").glob(f"{name}-autograder_*.zip"))
    if len(zips) != 1:
        raise SystemExit(f"expected one autograder zip in {out / 'autograder'}, found {zips}")
    gradescope = zips[0]
    with zipfile.ZipFile(gradescope) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    env = yaml.safe_load(members["environment.yml"])
    pip = next(d for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)["pip"]
    pip[:] = [p for p in pip if "natgrad_lib" not in p] + [f"/autograder/source/{wheel.name}"]
    members["environment.yml"] = yaml.safe_dump(env, sort_keys=False).encode("utf-8")
    members[wheel.name] = wheel.read_bytes()
    with zipfile.ZipFile(gradescope, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)

    with zipfile.ZipFile(out / f"{name}-instructor.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(key_nb, f"{name}/answer_key_{name}.ipynb")
        zf.write(gradescope, f"{name}/{gradescope.name}")
        zf.writestr(f"{name}/README.txt",
                    f"{name}: instructor release. answer_key_{name}.ipynb holds the reference "
                    "solutions, the model answers and the rubrics; the zip is the Gradescope "
                    "autograder (upload it as a programming assignment's autograder). Never "
                    "hand these files to students.\n")
    print(f"{out}: {name}-student.zip, {name}-instructor.zip, Gradescope zip with {wheel.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
