"""Which shared libraries an ELF file needs that this Linux system cannot give it, and which
Debian/Ubuntu package gives each one.

Pure Python, no Qt: it runs before Qt is loaded (see platform_check). The needs are read from the
files themselves (their DT_NEEDED entries, the way the dynamic loader reads them), so the list
follows whatever PySide6 release is installed instead of a list written down by hand:

- a library that sits in one of the file's own RPATH/RUNPATH folders (Qt's libraries beside
  PySide6, a PyInstaller bundle's folder) is read in turn, for its own needs;
- any other one is opened with the system's dynamic loader (ctypes), exactly as Qt would open it:
  LD_LIBRARY_PATH, ld.so.cache and the default folders all count. Opening one also opens
  everything it needs, so one that cannot be opened names the first library missing underneath.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

_DT_NEEDED, _DT_STRTAB, _DT_RPATH, _DT_RUNPATH = 1, 5, 15, 29
_PT_LOAD, _PT_DYNAMIC = 1, 2
#: The loader's answer for a library it did not find: "<name>: cannot open shared object file".
_NOT_FOUND = re.compile(r"([^\s:/]+\.so[.\d]*): cannot open shared object file")

#: Libraries whose Debian package is not named after them by Debian's usual rule (see
#: debian_package). Ubuntu 24.04 renamed some packages with a t64 suffix; they provide the old
#: name, so apt-get install accepts the names below there too.
_PACKAGES = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libgio-2.0.so.0": "libglib2.0-0",
    "libz.so.1": "zlib1g",
    "libGLdispatch.so.0": "libglvnd0",
    "libbrotlidec.so.1": "libbrotli1",
    "libbrotlicommon.so.1": "libbrotli1",
    # The C library's parts (Debian's libc6 on every architecture but a few).
    **dict.fromkeys(("libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
                     "libresolv.so.2", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"), "libc6"),
}


class NotElf(ValueError):
    """The file is not an ELF shared object this module can read."""


@dataclass(frozen=True)
class Dynamic:
    """What the loader reads from a file's dynamic section."""

    needed: tuple[str, ...]
    #: RUNPATH, else RPATH, with $ORIGIN replaced by the file's folder.
    search_path: tuple[Path, ...]


def read_dynamic(path: Path) -> Dynamic:
    """The DT_NEEDED names and the library search path written into an ELF file."""
    # Mapped, not read: only the few pages of the headers and the dynamic section are touched
    # (Qt's libraries are megabytes each, and this runs at every start).
    if path.stat().st_size < 64:
        raise NotElf(f"{path} is too short for an ELF file")
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return _dynamic(path, data)


def _dynamic(path: Path, data: mmap.mmap) -> Dynamic:
    if data[:4] != b"\x7fELF" or data[4] not in (1, 2) or data[5] not in (1, 2):
        raise NotElf(f"{path} is not an ELF file")
    wide = data[4] == 2
    order = "<" if data[5] == 1 else ">"
    if wide:
        phoff, = struct.unpack_from(order + "Q", data, 0x20)
        phentsize, phnum = struct.unpack_from(order + "HH", data, 0x36)
        header, entry = order + "IIQQQQQQ", order + "qQ"
    else:
        phoff, = struct.unpack_from(order + "I", data, 0x1C)
        phentsize, phnum = struct.unpack_from(order + "HH", data, 0x2A)
        header, entry = order + "IIIIIIII", order + "iI"
    loads: list[tuple[int, int, int]] = []  # (virtual address, file offset, size in the file)
    dynamic: tuple[int, int] | None = None
    for index in range(phnum):
        fields = struct.unpack_from(header, data, phoff + index * phentsize)
        if wide:
            kind, _flags, offset, vaddr, _paddr, filesz = fields[:6]
        else:
            kind, offset, vaddr, _paddr, filesz = fields[:5]
        if kind == _PT_LOAD:
            loads.append((vaddr, offset, filesz))
        elif kind == _PT_DYNAMIC:
            dynamic = (offset, filesz)
    if dynamic is None:
        return Dynamic((), ())  # a static file needs nothing
    entries: list[tuple[int, int]] = []
    size = struct.calcsize(entry)
    for at in range(dynamic[0], dynamic[0] + dynamic[1], size):
        tag, value = struct.unpack_from(entry, data, at)
        if tag == 0:
            break
        entries.append((tag, value))
    strtab = next((value for tag, value in entries if tag == _DT_STRTAB), None)
    if strtab is None:
        raise NotElf(f"{path} has a dynamic section without a string table")
    # DT_STRTAB is an address in memory: find where that part of the file is loaded.
    base = next((offset + strtab - vaddr for vaddr, offset, filesz in loads
                 if vaddr <= strtab < vaddr + filesz), None)
    if base is None:
        raise NotElf(f"{path}: its string table lies outside the loaded segments")

    def text(offset: int) -> str:
        end = data.find(b"\0", base + offset)
        return data[base + offset:end].decode("utf-8", "replace")

    needed = tuple(text(value) for tag, value in entries if tag == _DT_NEEDED)
    runpath = [text(value) for tag, value in entries if tag == _DT_RUNPATH]
    rpath = [text(value) for tag, value in entries if tag == _DT_RPATH]
    origin = str(path.resolve().parent)
    folders = tuple(
        Path(part.replace("$ORIGIN", origin).replace("${ORIGIN}", origin))
        for part in ":".join(runpath or rpath).split(":") if part
    )
    return Dynamic(needed, folders)


def system_can_load(name: str) -> str | None:
    """None when the dynamic loader opens the library `name` (and all it needs); else the name of
    the library it could not find (`name` itself or one underneath it)."""
    try:
        ctypes.CDLL(name, mode=os.RTLD_LAZY | os.RTLD_LOCAL)
    except OSError as exc:
        found = _NOT_FOUND.search(str(exc))
        return found.group(1) if found else name
    return None


def system_libraries(roots: Iterable[Path]) -> list[str]:
    """The libraries (sonames) that `roots` need, directly or through each other, and that are
    not in their own RPATH/RUNPATH folders: what the system must give; in the order met."""
    wanted: list[str] = []
    seen: set[str] = set()
    queue = [Path(root) for root in roots]
    read: set[Path] = set()
    while queue:
        path = queue.pop(0)
        if path in read:
            continue
        read.add(path)
        dynamic = read_dynamic(path)
        for name in dynamic.needed:
            if name in seen:
                continue
            seen.add(name)
            beside = next((folder / name for folder in dynamic.search_path
                           if (folder / name).is_file()), None)
            if beside is None:
                wanted.append(name)
            else:
                queue.append(beside.resolve())
    return wanted


def missing_libraries(
    roots: Iterable[Path], *, load: Callable[[str], str | None] = system_can_load
) -> list[str]:
    """The libraries of system_libraries(roots) that cannot be loaded (or the library missing
    underneath one); `load` is how one is tried (the system's dynamic loader)."""
    missing: list[str] = []
    for name in system_libraries(roots):
        absent = load(name)
        if absent is not None and absent not in missing:
            missing.append(absent)
    return missing


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that installs the library `soname`.

    Debian names a library's package after its soname: libxcb-icccm.so.4 -> libxcb-icccm4, with a
    hyphen when the name ends in a digit (libxkbcommon-x11.so.0 -> libxkbcommon-x11-0), in lower
    case, underscores as hyphens. The few exceptions are listed in _PACKAGES.
    """
    if soname in _PACKAGES:
        return _PACKAGES[soname]
    match = re.fullmatch(r"lib(.+)\.so\.(\d+)(?:\.[\d.]+)?", soname)
    if match is None:
        base, version = re.sub(r"\.so.*$", "", soname).removeprefix("lib"), ""
    else:
        base, version = match.groups()
    base = base.lower().replace("_", "-")
    joiner = "-" if version and base[-1].isdigit() else ""
    return f"lib{base}{joiner}{version}"
