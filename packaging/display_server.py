"""A real display for smoke tests, as a person's desktop would be: an X server (Xvfb) or a Wayland
compositor (weston's headless backend) at 1366×768, and screenshots taken from the server itself
(what a person would see), not from the program's widgets.

The tests of the window under X11 and Wayland and build.py's smoke test of the bundle use it.
Everything comes from Debian's packages: xvfb and x11-apps (xwd) for X11, weston for Wayland.
Screenshots are read here without any imaging library: X's own XWD format, and PNG (weston's
screenshots; and what is written for a person to look at).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

WIDTH, HEIGHT = 1366, 768
#: Debian's packages that give the display servers and their screenshot tools.
X11_PACKAGES = ("xvfb", "x11-apps")
WAYLAND_PACKAGES = ("weston",)
START_TIMEOUT_S = 30


class DisplayUnavailable(RuntimeError):
    """The display server cannot run here (not installed, or it failed to start)."""


@dataclass(frozen=True)
class Screenshot:
    width: int
    height: int
    #: Rows top to bottom, 3 bytes (red, green, blue) per pixel.
    rgb: bytes

    def colours(self) -> int:
        """How many different colours the picture has: 1 for a blank screen."""
        step = 3 * 7  # every 7th pixel is plenty to tell a window from a blank screen
        return len({self.rgb[i:i + 3] for i in range(0, len(self.rgb) - 2, step)})

    def write_png(self, path: Path) -> Path:
        rows = b"".join(b"\0" + self.rgb[y * self.width * 3:(y + 1) * self.width * 3]
                        for y in range(self.height))

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                         + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))
        return path


def missing_tools(*tools: str) -> list[str]:
    return [tool for tool in tools if shutil.which(tool) is None]


# --- X11 -----------------------------------------------------------------------------------------

@contextmanager
def xvfb() -> Iterator[dict[str, str]]:
    """An Xvfb server at 1366×768×24 on a display number it picks; yields the environment a
    program needs to show its window there (DISPLAY, QT_QPA_PLATFORM=xcb)."""
    lacking = missing_tools("Xvfb", "xwd")
    if lacking:
        raise DisplayUnavailable(f"{', '.join(lacking)} not found "
                                 f"(apt-get install {' '.join(X11_PACKAGES)})")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{WIDTH}x{HEIGHT}x24",
         "-nolisten", "tcp", "-noreset"],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    os.close(write_end)
    try:
        # Xvfb writes the display number it took once it accepts clients.
        with os.fdopen(read_end, "rb") as numbers:
            number = numbers.readline().strip().decode()
        if not number:
            raise DisplayUnavailable(f"Xvfb did not start: {_stop(server)}")
        yield {"DISPLAY": f":{number}", "QT_QPA_PLATFORM": "xcb", "XDG_SESSION_TYPE": "x11"}
    finally:
        _stop(server)


def x_screenshot(env: dict[str, str]) -> Screenshot:
    """The X server's whole screen, through xwd (X's own window dump)."""
    done = subprocess.run(["xwd", "-root", "-silent", "-display", env["DISPLAY"]],
                          capture_output=True, timeout=60, check=True)
    return read_xwd(done.stdout)


def read_xwd(data: bytes) -> Screenshot:
    """A Z-pixmap XWD file of 24 or 32 bits a pixel (what xwd writes for a TrueColor screen)."""
    fields = struct.unpack_from(">25I", data)
    header_size, version, pixmap_format, _depth, width, height = fields[:6]
    byte_order, bits_per_pixel, bytes_per_line = fields[7], fields[11], fields[12]
    masks, colours = fields[14:17], fields[19]
    if version != 7 or pixmap_format != 2 or bits_per_pixel not in (24, 32):
        raise ValueError(f"unsupported XWD picture (version {version}, format {pixmap_format}, "
                         f"{bits_per_pixel} bits a pixel)")
    start = header_size + colours * 12
    step = bits_per_pixel // 8
    order = "big" if byte_order == 1 else "little"
    shifts = [(mask, (mask & -mask).bit_length() - 1) for mask in masks]
    rgb = bytearray()
    for y in range(height):
        row = data[start + y * bytes_per_line:start + y * bytes_per_line + width * step]
        if step == 4 and order == "little" and masks == (0xFF0000, 0xFF00, 0xFF):
            rgb += bytes(b for i in range(0, len(row), 4) for b in (row[i + 2], row[i + 1], row[i]))
            continue
        for x in range(0, len(row), step):
            pixel = int.from_bytes(row[x:x + step], order)
            rgb += bytes((pixel & mask) >> shift for mask, shift in shifts)
    return Screenshot(width, height, bytes(rgb))


# --- Wayland -------------------------------------------------------------------------------------

@contextmanager
def weston() -> Iterator[dict[str, str]]:
    """weston on its headless backend at 1366×768, drawing with pixman (so a screenshot has the
    pixels), with the screenshooter allowed (--debug); yields the environment a program needs
    to show its window there (XDG_RUNTIME_DIR, WAYLAND_DISPLAY, QT_QPA_PLATFORM=wayland)."""
    lacking = missing_tools("weston", "weston-screenshooter")
    if lacking:
        raise DisplayUnavailable(f"{', '.join(lacking)} not found "
                                 f"(apt-get install {' '.join(WAYLAND_PACKAGES)})")
    with tempfile.TemporaryDirectory(prefix="halyk-wayland-") as runtime:
        os.chmod(runtime, 0o700)
        socket = "wayland-halyk"
        env = {"XDG_RUNTIME_DIR": runtime, "WAYLAND_DISPLAY": socket,
               "QT_QPA_PLATFORM": "wayland", "XDG_SESSION_TYPE": "wayland"}
        server = subprocess.Popen(
            ["weston", "--backend=headless-backend.so", f"--width={WIDTH}", f"--height={HEIGHT}",
             "--use-pixman", "--debug", f"--socket={socket}", "--idle-time=0",
             "--no-config"],
            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not (Path(runtime) / socket).exists():
                if server.poll() is not None or time.monotonic() > deadline:
                    raise DisplayUnavailable(
                        f"weston did not start: {_stop(server)}")
                time.sleep(0.05)
            yield env
        finally:
            _stop(server)


def wayland_screenshot(env: dict[str, str]) -> Screenshot:
    """The compositor's whole output, through weston-screenshooter."""
    with tempfile.TemporaryDirectory(prefix="halyk-shot-") as folder:
        subprocess.run(["weston-screenshooter"], env={**os.environ, **env}, cwd=folder,
                       capture_output=True, timeout=60, check=True)
        shots = sorted(Path(folder).glob("*.png"))
        if not shots:
            raise RuntimeError("weston-screenshooter wrote no picture")
        return read_png(shots[-1].read_bytes())


def read_png(data: bytes) -> Screenshot:
    """An 8-bit RGB or RGBA PNG, not interlaced (what weston-screenshooter writes)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    at, idat, header = 8, bytearray(), b""
    while at < len(data):
        length, kind = struct.unpack_from(">I4s", data, at)
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, depth, colour_type, _c, _f, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour_type not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour_type})")
    step = 3 if colour_type == 2 else 4
    stride = width * step
    raw = zlib.decompress(bytes(idat))
    previous = bytearray(stride)
    rgb = bytearray()
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        _unfilter(kind, line, previous, step)
        rgb += line if step == 3 else bytes(
            b for i in range(0, stride, 4) for b in line[i:i + 3])
        previous = line
    return Screenshot(width, height, bytes(rgb))


def _unfilter(kind: int, line: bytearray, previous: bytearray, step: int) -> None:
    if kind == 0:
        return
    for i in range(len(line)):
        left = line[i - step] if i >= step else 0
        up = previous[i]
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        else:  # 4: Paeth
            corner = previous[i - step] if i >= step else 0
            guess = left + up - corner
            a, b, c = abs(guess - left), abs(guess - up), abs(guess - corner)
            nearest = left if a <= b and a <= c else up if b <= c else corner
            line[i] = (line[i] + nearest) & 0xFF


def _stop(server: subprocess.Popen[bytes]) -> str:
    """Stop a display server; what it said on stderr."""
    if server.poll() is None:
        server.terminate()
    try:
        _, err = server.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        _, err = server.communicate()
    return err.decode(errors="replace") if err else ""


# --- a program on a display ----------------------------------------------------------------------

@dataclass(frozen=True)
class HeldRun:
    returncode: int
    stdout: str
    stderr: str
    #: The display's screen while the window was held open; None if it never got that far.
    screenshot: Screenshot | None


def run_held(command: list[str], env: dict[str, str], display: dict[str, str], *,
             timeout_s: float = 300) -> HeldRun:
    """Run a program with the window probe holding its window open (HALYK_DESK_PROBE_HOLD=stdin,
    see window_probe.py; `env` chooses the probe's mode), take a screenshot from the display
    server while it is held, then let it close and wait for its exit."""
    environment = {**env, **display, "HALYK_DESK_PROBE_HOLD": "stdin"}
    process = subprocess.Popen(command, env=environment, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdin is not None
    lines: list[str] = []
    shot: Screenshot | None = None
    try:
        for line in process.stdout:  # the probe's own timeout ends a window that never settles
            lines.append(line)
            if line.strip() == "probe: holding":
                shot = (x_screenshot(display) if "DISPLAY" in display
                        else wayland_screenshot(display))
                break
        out, err = process.communicate("\n", timeout=timeout_s)
    except BaseException:
        process.kill()
        process.communicate()
        raise
    return HeldRun(process.returncode, "".join(lines) + out, err, shot)
