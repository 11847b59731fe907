"""Where one `me` request's instructions go: callgrind counting only inside one
function at a time (issue #30's account in docs/performance.md).

    .venv/bin/python bench/regions.py "service persisted" schema.views:GraphQLView.dispatch ...

Each REGION is `module:attribute[.attribute]`, a function or method looked up
where its callers look it up (a name imported into a module is patched in that
module), or `request` for the whole request. A tiny C helper, built with the
system's compiler, toggles callgrind's collection (CALLGRIND_TOGGLE_COLLECT) on
entering the outermost call of the region and off on leaving it; the process
starts with collection off, so the count is the region's alone, over N requests
after bench/instructions.py's warm-up. The wrapper's own calls are counted too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import instructions, run  # noqa: E402

HELPER = """
#include <Python.h>
#include <valgrind/callgrind.h>
static PyObject *toggle(PyObject *self, PyObject *args) { CALLGRIND_TOGGLE_COLLECT; Py_RETURN_NONE; }
static PyMethodDef methods[] = {{"toggle", toggle, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cgtoggle", NULL, -1, methods};
PyMODINIT_FUNC PyInit_cgtoggle(void) { return PyModule_Create(&module); }
"""

MEASURED = """
import functools, importlib, os, cgtoggle
region = os.environ["REGION"]
if region == "request":
    for _ in range(n):
        cgtoggle.toggle(); call(); cgtoggle.toggle()
else:
    module_name, _, path = region.partition(":")
    owner = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for part in parents:
        owner = getattr(owner, part)
    original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
    kind = type(original) if isinstance(original, (staticmethod, classmethod)) else None
    inner = original.__func__ if kind else original
    depth = [0]
    @functools.wraps(inner)
    def wrapper(*args, **kwargs):
        depth[0] += 1
        if depth[0] == 1: cgtoggle.toggle()
        try:
            return inner(*args, **kwargs)
        finally:
            if depth[0] == 1: cgtoggle.toggle()
            depth[0] -= 1
    setattr(owner, name, kind(wrapper) if kind else wrapper)
    for _ in range(n):
        call()
"""


def build_helper(folder: str) -> None:
    source = Path(folder) / "cgtoggle.c"
    source.write_text(HELPER)
    target = Path(folder) / f"cgtoggle{sysconfig.get_config_var('EXT_SUFFIX')}"
    include = sysconfig.get_paths()["include"]
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", f"-I{include}", str(source), "-o", str(target)], check=True)


def main() -> None:
    target, regions = sys.argv[1], sys.argv[2:]
    if target not in instructions.TARGETS or not regions:
        sys.exit(f"usage: regions.py TARGET REGION... (TARGET one of {', '.join(instructions.TARGETS)})")
    requests = 100
    env = run.bench_env(run.database_url()[0])
    seeded = run.seed(env)
    script = instructions.SCRIPT.split("for _ in range(n):\n    call()")[0] + MEASURED
    with tempfile.TemporaryDirectory() as folder:
        build_helper(folder)
        env["PYTHONPATH"] = f"{env['PYTHONPATH']}{os.pathsep}{folder}"
        for region in regions:
            count = instructions.total(
                {**env, "REGION": region},
                run.PYTHON,
                target,
                requests,
                seeded["secret"],
                seeded["drf_key"],
                script=script,
                collecting=("--collect-atstart=no",),
            )
            print(f"{target}\t{region}\t{count // requests:,}", flush=True)


if __name__ == "__main__":
    main()
