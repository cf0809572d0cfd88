#!/usr/bin/env python3
"""Writes the malformed and hostile modules of this directory.

invalid/  bytes that are not a valid module: wasmux must refuse each one with the file name and
          the byte offset of the fault, before any engine sees it.
hostile/  valid modules that push an engine to its limits (deep nesting, huge tables, segments
          at the end of the address space): each may run or fail, but with a clear error and
          never a crash of the host.

Run it from anywhere: `python3 tests/malformed/generate.py`. The output is committed, so the
tests need no Python; rerun it after changing a case.
"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = b"\0asm\x01\x00\x00\x00"
I32, I64 = 0x7F, 0x7E


def uleb(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def sleb(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if (n == 0 and not byte & 0x40) or (n == -1 and byte & 0x40):
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def vec(items):
    return uleb(len(items)) + b"".join(items)


def name(text):
    data = text if isinstance(text, bytes) else text.encode()
    return uleb(len(data)) + data


def section(sid, payload):
    return bytes([sid]) + uleb(len(payload)) + payload


def functype(params, results):
    return b"\x60" + vec([bytes([p]) for p in params]) + vec([bytes([r]) for r in results])


def body(code, locals_=b"\x00"):
    payload = locals_ + code + b"\x0b"
    return uleb(len(payload)) + payload


def module(*sections):
    return HEADER + b"".join(sections)


def start_module(code, locals_=b"\x00", memory=None, extra=()):
    """One `_start: [] -> []` with `code`, and optionally a memory section's payload."""
    sections = [section(1, vec([functype([], [])])), section(3, vec([uleb(0)]))]
    if memory is not None:
        sections.append(section(5, memory))
    sections.append(section(7, vec([name("_start") + b"\x00" + uleb(0)])))
    sections.append(section(10, vec([body(code, locals_)])))
    return module(*sections, *extra)


def invalid():
    yield "empty-after-magic", b"\0asm"
    yield "bad-version", b"\0asm\x02\x00\x00\x00"
    yield "truncated-header", b"\0asm\x01\x00"
    # A type section announcing 10 bytes and holding 3.
    yield "truncated-section", HEADER + b"\x01\x0a\x01\x60\x00"
    yield "section-size-4gib", HEADER + b"\x01" + uleb(0xFFFFFFFF) + b"\x00"
    yield "huge-type-count", module(section(1, uleb(0xFFFFFFFF)))
    yield "huge-function-count", module(
        section(1, vec([functype([], [])])), section(3, uleb(0xFFFFFFFF) + b"\x00")
    )
    yield "huge-param-count", module(section(1, b"\x01\x60" + uleb(0xFFFFFFFF) + b"\x7f"))
    yield "huge-local-count", start_module(b"", locals_=b"\x01" + uleb(0xFFFFFFFF) + bytes([I32]))
    # Two declarations of 2^31 locals each: their sum overflows 32 bits.
    yield "local-count-overflow", start_module(
        b"", locals_=b"\x02" + uleb(1 << 31) + bytes([I32]) + uleb(1 << 31) + bytes([I64])
    )
    yield "100000-locals", start_module(b"", locals_=b"\x01" + uleb(100_000) + bytes([I32]))
    yield "overlong-leb", module(section(1, b"\x81\x80\x80\x80\x80\x00"))
    yield "unknown-section", HEADER + b"\x20\x00"
    yield "function-without-body", module(
        section(1, vec([functype([], [])])), section(3, vec([uleb(0), uleb(0)])),
        section(10, vec([body(b"")])),
    )
    yield "export-name-not-utf8", module(
        section(1, vec([functype([], [])])), section(3, vec([uleb(0)])),
        section(7, vec([name(b"\xff\xfe_start") + b"\x00" + uleb(0)])),
        section(10, vec([body(b"")])),
    )
    yield "import-name-not-utf8", module(
        section(1, vec([functype([], [])])),
        section(2, vec([name(b"env\xc3") + name("f") + b"\x00" + uleb(0)])),
    )
    yield "memory-over-4gib", module(section(5, vec([b"\x00" + uleb(65537)])))
    yield "memory-min-above-max", module(section(5, vec([b"\x01" + uleb(2) + uleb(1)])))
    # Code that ends in the middle of a block, and an `end` too many.
    yield "unclosed-block", start_module(b"\x02\x40")
    yield "end-too-many", start_module(b"\x0b\x0b")
    yield "stack-underflow", start_module(b"\x6a\x1a")
    yield "branch-depth-4g", start_module(b"\x0c" + uleb(0xFFFFFFFF))


def nested(depth, opener):
    return opener * depth + b"\x0b" * depth


def hostile():
    yield "100000-nested-blocks", start_module(nested(100_000, b"\x02\x40"))
    yield "100000-nested-loops", start_module(nested(100_000, b"\x03\x40"))
    yield "100000-nested-ifs", start_module(b"\x41\x01\x04\x40" * 100_000 + b"\x0b" * 100_000)
    # wasmparser's limit on locals, all in one function.
    yield "50000-locals", start_module(b"", locals_=b"\x01" + uleb(50_000) + bytes([I64]))
    # 100,000 values on the operand stack at once.
    yield "100000-operands", start_module(b"\x41\x00" * 100_000 + b"\x1a" * 100_000)
    yield "br-table-100000-targets", start_module(
        b"\x02\x40\x41\x00\x0e" + uleb(100_000) + b"\x00" * 100_000 + b"\x00\x0b"
    )
    data_at = lambda offset: section(
        11, vec([b"\x00\x41" + sleb(offset) + b"\x0b" + vec([b"\x2a"] * 16)])
    )
    # The largest 32-bit memory there is, 4 GiB, and a segment that ends at its last byte.
    yield "memory-4gib", start_module(
        b"", memory=vec([b"\x00" + uleb(65536)]), extra=[data_at(-16)]
    )
    yield "memory64-2pow48-pages", module(section(5, vec([b"\x04" + uleb(1 << 48)])))
    yield "table-4g-elements", module(section(4, vec([b"\x70\x00" + uleb(0xFFFFFFFF)])))
    # 16 bytes at 0xffffffff and at 0xfffffff0 of a 64 KiB memory: out of bounds, and the
    # first one's end does not fit in 32 bits.
    yield "data-at-u32-max", start_module(
        b"", memory=vec([b"\x00" + uleb(1)]), extra=[data_at(-1)]
    )
    yield "data-at-4gib-minus-16", start_module(
        b"", memory=vec([b"\x00" + uleb(1)]), extra=[data_at(-16)]
    )
    yield "data64-at-4gib", module(
        section(5, vec([b"\x04" + uleb(1)])),
        section(11, vec([b"\x00\x42" + sleb(1 << 32) + b"\x0b" + vec([b"\x2a"])])),
    )
    yield "elem-at-u32-max", module(
        section(1, vec([functype([], [])])), section(3, vec([uleb(0)])),
        section(4, vec([b"\x70\x00" + uleb(1)])),
        section(9, vec([b"\x00\x41" + sleb(-1) + b"\x0b" + vec([uleb(0)])])),
        section(10, vec([body(b"")])),
    )
    # A constant expression 100,000 operands deep (extended constant expressions).
    yield "deep-const-expr", module(
        section(6, vec([bytes([I32, 0]) + b"\x41\x01" * 100_000 + b"\x6a" * 99_999 + b"\x0b"]))
    )
    # A custom `name` section of garbage: engines that read names must not trust it.
    yield "name-section-garbage", start_module(
        b"", extra=[section(0, name("name") + b"\x01" + uleb(0xFFFFFFF0) + b"\xff" * 8)]
    )
    yield "name-section-not-utf8", start_module(
        b"", extra=[section(0, name("name") + section(1, vec([uleb(0) + name(b"\xff\xc0")])))]
    )
    # A start section whose function traps: the trap is reported, not a crash.
    yield "trap-in-start", module(
        section(1, vec([functype([], [])])), section(3, vec([uleb(0)])),
        section(8, uleb(0)), section(10, vec([body(b"\x00")])),
    )


def write(kind, cases):
    folder = os.path.join(HERE, kind)
    os.makedirs(folder, exist_ok=True)
    for case, data in cases:
        with open(os.path.join(folder, case + ".wasm"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    write("invalid", invalid())
    write("hostile", hostile())
