"""Plain-data messages between the grader and its sandbox: length-prefixed JSON frames.

Only data crosses: None, bools, ints, floats, complex numbers, strings, lists, tuples,
dicts with string keys, and numpy arrays of numeric dtypes (sent as raw bytes with their
dtype and shape). Decoding never runs code (no pickle), so a frame forged by a submission
can at worst carry wrong numbers. Functions of the grader's cross as numbered callbacks
(``{"__callback__": n}``) that the sandbox calls back through the same pipes.
"""

from __future__ import annotations

import base64
import json
import os
import struct

import numpy as np

MAX_FRAME = 64 * 2**20  # bytes: a bigger reply is a failed call, not a memory blow-up
MAX_DEPTH = 20
DTYPES = {"b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16"}


class WireError(ValueError):
    """A value that cannot cross, or a frame that is not well formed."""


def _encode(value, register, depth=0):
    if depth > MAX_DEPTH:
        raise WireError("a value nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, np.generic):
        return value
    if isinstance(value, complex):
        return {"__complex__": [value.real, value.imag]}
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.kind == "O" or arr.dtype.str[1:] not in DTYPES:
            raise WireError(f"an array of dtype {arr.dtype}, which cannot be sent")
        return {"__nd__": arr.dtype.str, "shape": list(arr.shape), "scalar": isinstance(value, np.generic),
                "b64": base64.b64encode(arr.tobytes(order="C")).decode("ascii")}
    if isinstance(value, (list, tuple)):
        items = [_encode(v, register, depth + 1) for v in value]
        return {"__tuple__": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise WireError("a dict with keys that are not strings")
        return {"__dict__": {k: _encode(v, register, depth + 1) for k, v in value.items()}}
    if callable(value) and register is not None:
        return {"__callback__": register(value)}
    raise WireError(f"a value of type {type(value).__name__}, which cannot be sent")


def _decode(node, callback, depth=0):
    if depth > MAX_DEPTH:
        raise WireError("a value nested too deeply")
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, callback, depth + 1) for v in node]
    if not isinstance(node, dict) or len(node) == 0:
        raise WireError("malformed frame")
    if "__nd__" in node:
        dtype = node["__nd__"]
        if not isinstance(dtype, str) or dtype[1:] not in DTYPES or dtype[0] not in "<>|=":
            raise WireError(f"dtype {dtype!r} not allowed")
        shape = tuple(int(n) for n in node["shape"])
        if any(n < 0 for n in shape):
            raise WireError("negative shape")
        raw = base64.b64decode(node["b64"], validate=True)
        arr = np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape).copy()
        return arr[()] if node.get("scalar") else arr
    if "__complex__" in node:
        re, im = node["__complex__"]
        return complex(float(re), float(im))
    if "__tuple__" in node:
        return tuple(_decode(v, callback, depth + 1) for v in node["__tuple__"])
    if "__dict__" in node:
        return {str(k): _decode(v, callback, depth + 1) for k, v in node["__dict__"].items()}
    if "__callback__" in node and callback is not None:
        return callback(int(node["__callback__"]))
    raise WireError("malformed frame")


def dumps(message: dict, register=None) -> bytes:
    return json.dumps({k: _encode(v, register) for k, v in message.items()}).encode("utf-8")


def loads(data: bytes, callback=None) -> dict:
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise WireError(f"malformed frame ({err})") from None
    if not isinstance(raw, dict):
        raise WireError("malformed frame")
    try:
        return {str(k): _decode(v, callback) for k, v in raw.items()}
    except (KeyError, TypeError, ValueError, OverflowError) as err:
        raise WireError(f"malformed frame ({err})") from None


def loads_plain(text: str) -> dict:
    return json.loads(text)


def write_frame(fd: int, message: dict, register=None) -> None:
    data = dumps(message, register)
    if len(data) > MAX_FRAME:
        raise WireError(f"a value of {len(data)} bytes, over the limit of {MAX_FRAME}")
    view = memoryview(struct.pack("<Q", len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(rfile, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = rfile.read(left)
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(rfile, decode_callable=None) -> dict:
    (n,) = struct.unpack("<Q", _read_exactly(rfile, 8))
    if n > MAX_FRAME:
        raise WireError(f"a frame of {n} bytes, over the limit of {MAX_FRAME}")
    return loads(_read_exactly(rfile, n), decode_callable)
