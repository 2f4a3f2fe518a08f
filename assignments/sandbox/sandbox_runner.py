"""The untrusted half of ``assignments/grade.py``: runs inside the bubblewrap sandbox.

It executes the code cells of one submitted notebook, then serves calls of the student's
functions on inputs that the trusted grader sends, and sends back their outputs. It never
sees a test, a reference value or a score: those stay in the grader's process. Anything in
this process can be changed by the student's code, so the grader trusts nothing it sends
beyond "this is what your function returned", decoded as plain data (``wire``).

Protocol: length-prefixed JSON frames (``wire.py``). Requests arrive on stdin, replies go
to the file descriptor named by ``NATGRAD_REPLY_FD``. The student's own stdout and stderr go to /dev/null.
"""

from __future__ import annotations

import os
import resource
import sys
import traceback
import types

import wire

def _limit(name: str, value: int) -> None:
    kind = getattr(resource, name)
    resource.setrlimit(kind, (value, value))


def _fake_otter() -> types.ModuleType:
    """A stand-in for ``otter`` so that the notebook's ``grader.check`` cells do nothing here."""

    class Notebook:
        def __init__(self, *args, **kwargs):
            pass

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    module = types.ModuleType("otter")
    module.Notebook = Notebook
    return module


class Server:
    def __init__(self, rfile, wfd: int):
        self.rfile, self.wfd = rfile, wfd
        self.namespace: dict = {"__name__": "__main__"}
        self.snapshot: dict = {}

    def send(self, message: dict) -> None:
        wire.write_frame(self.wfd, message)

    def receive(self) -> dict:
        return wire.read_frame(self.rfile, decode_callable=self.callback)

    def callback(self, ident: int):
        """A function of the grader's (a reference, or a family's score) passed as an argument."""

        def call(*args, **kwargs):
            self.send({"op": "callback", "id": ident, "args": list(args), "kwargs": kwargs})
            reply = self.receive()
            if reply.get("op") != "callback_result":
                raise RuntimeError("grader protocol error")
            if "error" in reply:
                raise RuntimeError(reply["error"])
            return reply["value"]

        return call

    def run_cells(self, cells: list[str], skip: list[int]) -> None:
        for i, source in enumerate(cells):
            if i in skip:
                continue
            self.send({"op": "cell_start", "index": i})
            error = None
            try:
                code = compile(source, f"<cell {i + 1}>", "exec")
                exec(code, self.namespace)
            except BaseException as err:  # noqa: BLE001 - the student's error, reported back
                error = "".join(traceback.format_exception_only(type(err), err)).strip()[-2000:]
            self.send({"op": "cell_end", "index": i, "error": error})
        self.snapshot = dict(self.namespace)
        functions = {}
        for name, value in self.namespace.items():
            if callable(value) and not name.startswith("__") and not isinstance(value, type):
                code = getattr(value, "__code__", None)
                names = list(getattr(code, "co_names", ())) if code is not None else []
                functions[name] = {"co_names": [str(n) for n in names][:500]}
        self.send({"op": "ready", "functions": functions})

    def call(self, request: dict) -> None:
        self.namespace.clear()
        self.namespace.update(self.snapshot)
        fn = self.namespace.get(request["name"])
        if not callable(fn):
            self.send({"op": "error", "message": f"{request['name']} is not defined as a function"})
            return
        self.namespace.update(request.get("globals", {}))
        try:
            value = fn(*request.get("args", []), **request.get("kwargs", {}))
            self.send({"op": "result", "value": value})
        except wire.WireError as err:
            self.send({"op": "error", "message": f"{request['name']} returned {err}"})
        except BaseException as err:  # noqa: BLE001 - the student's error, reported back
            text = "".join(traceback.format_exception_only(type(err), err)).strip()
            self.send({"op": "error", "message": f"{request['name']} raised {text[-1500:]}"})

    def serve(self) -> None:
        while True:
            request = self.receive()
            if request["op"] == "cells":
                self.run_cells(request["cells"], request.get("skip", []))
            elif request["op"] == "call":
                self.call(request)
            elif request["op"] == "exit":
                return


def main() -> None:
    limits = wire.loads_plain(os.environ.pop("NATGRAD_SANDBOX_LIMITS"))
    _limit("RLIMIT_AS", limits["memory_bytes"])
    _limit("RLIMIT_CPU", limits["cpu_seconds"])
    _limit("RLIMIT_NPROC", limits["processes"])
    _limit("RLIMIT_FSIZE", limits["file_bytes"])
    _limit("RLIMIT_CORE", 0)
    # Keep the request and reply pipes off fds 0-2: input() and print() see /dev/null.
    rfile = os.fdopen(os.dup(0), "rb", buffering=0)
    reply_fd = int(os.environ.pop("NATGRAD_REPLY_FD"))
    wfd = os.dup(reply_fd)
    os.close(reply_fd)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    sys.stdin = open(os.devnull)
    sys.modules["otter"] = _fake_otter()
    # The libraries every assignment imports are loaded before the grader's clocks start
    # (their import time is the machine's, not the student's). An import error is left for
    # the student's own import cell to raise and report.
    for name in ("numpy", "natgrad_lib"):
        try:
            __import__(name)
        except Exception:  # noqa: BLE001
            pass
    server = Server(rfile, wfd)
    server.send({"op": "hello"})
    server.serve()


if __name__ == "__main__":
    main()
