"""Render the app icon's PNGs and the Windows .ico from resources/icons/halyk-desk.svg.

    .venv/bin/python packaging/make_icons.py

The outputs are committed (the build and the Linux install use them as they are); run this after
changing the SVG. tests/packaging checks that the committed files still match the SVG.

The .ico is written here rather than through Qt's image writer, which stores one image per file:
Windows picks the size it needs from several. Sizes below 256 are stored as 32-bit bitmaps, which
every Windows and every resource tool reads; 256 as PNG, as Windows itself does.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
SVG = ICONS / "halyk-desk.svg"
ICO = ICONS / "halyk-desk.ico"
PNG_SIZES = (16, 32, 48, 64, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def png_path(size: int) -> Path:
    return ICONS / f"halyk-desk-{size}.png"


def _gui_app() -> object:
    """QSvgRenderer needs a Qt application; offscreen, so no display is required. A full
    QApplication, so that widgets can still be made in the same process (the test suite)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([sys.argv[0]])


def render(size: int, svg: Path = SVG):  # -> QImage (PySide6 imported lazily, see _gui_app)
    """The icon drawn at size x size pixels, antialiased, on a transparent background."""
    _gui_app()
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not an SVG that Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def dib_bytes(image) -> bytes:
    """An icon bitmap: BITMAPINFOHEADER (height doubled for the mask), BGRA rows bottom-up, then
    the 1-bit AND mask (all zero: the alpha channel already says what is transparent)."""
    from PySide6.QtGui import QImage

    argb = image.convertToFormat(QImage.Format.Format_ARGB32)
    width, height = argb.width(), argb.height()
    # Format_ARGB32 is stored as B, G, R, A bytes on little-endian machines, as a DIB wants.
    row_bytes, stride = width * 4, argb.bytesPerLine()
    raw = bytes(argb.constBits())[: stride * height]
    rows = [raw[y * stride: y * stride + row_bytes] for y in range(height)]
    if sys.byteorder != "little":
        rows = [_argb_words_to_bgra(row) for row in rows]
    pixels = b"".join(reversed(rows))
    mask_stride = ((width + 31) // 32) * 4
    mask = bytes(mask_stride * height)
    header = struct.pack(
        "<IiiHHIIiiII", 40, width, height * 2, 1, 32, 0, len(pixels) + len(mask), 0, 0, 0, 0
    )
    return header + pixels + mask


def _argb_words_to_bgra(row: bytes) -> bytes:
    out = bytearray(len(row))
    out[0::4], out[1::4], out[2::4], out[3::4] = row[3::4], row[2::4], row[1::4], row[0::4]
    return bytes(out)


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """An .ico container of ready-made entries (DIB or PNG bytes) keyed by their pixel size."""
    sizes = sorted(images)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = [], []
    for size in sizes:
        blob = images[size]
        side = 0 if size >= 256 else size  # 0 means 256 in the directory
        entries.append(struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset))
        blobs.append(blob)
        offset += len(blob)
    return header + b"".join(entries) + b"".join(blobs)


def read_ico(data: bytes) -> list[tuple[int, bytes]]:
    """(pixel size, entry bytes) of each image in an .ico; ValueError when it is not one."""
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    if reserved != 0 or kind != 1 or count == 0:
        raise ValueError("not an icon file")
    found = []
    for index in range(count):
        side, _h, _colors, _res, _planes, _bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * index
        )
        if offset + length > len(data):
            raise ValueError("icon entry runs past the end of the file")
        found.append((side or 256, data[offset: offset + length]))
    return found


def build_ico() -> bytes:
    entries = {}
    for size in ICO_SIZES:
        image = render(size)
        entries[size] = png_bytes(image) if size >= 256 else dib_bytes(image)
    return ico_bytes(entries)


def main() -> int:
    for size in PNG_SIZES:
        png_path(size).write_bytes(png_bytes(render(size)))
        print(f"wrote {png_path(size).relative_to(ROOT)}")
    ICO.write_bytes(build_ico())
    print(f"wrote {ICO.relative_to(ROOT)} ({', '.join(map(str, ICO_SIZES))} px)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
