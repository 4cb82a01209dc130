"""The icon set: every size a desktop asks for, square, and still what the SVG draws."""

from __future__ import annotations

import struct

import make_icons
import pytest
from bundle import ROOT
from PySide6.QtGui import QImage, QImageReader

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (the first chunk, right after the signature)."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def mean_difference(a: QImage, b: QImage) -> float:
    """Mean absolute difference per channel (0-255) between two images of one size."""
    a = a.convertToFormat(QImage.Format.Format_ARGB32)
    b = b.convertToFormat(QImage.Format.Format_ARGB32)
    assert a.size() == b.size()
    total = 0
    for y in range(a.height()):
        for x in range(a.width()):
            pa, pb = a.pixel(x, y), b.pixel(x, y)
            total += sum(abs(((pa >> s) & 255) - ((pb >> s) & 255)) for s in (0, 8, 16, 24))
    return total / (a.width() * a.height() * 4)


def test_the_sources_are_where_the_build_looks():
    assert make_icons.SVG == ROOT / "resources" / "icons" / "halyk-desk.svg"
    assert make_icons.SVG.is_file()
    assert make_icons.ICO.is_file()


@pytest.mark.parametrize("size", [16, 32, 48, 64, 128, 256])
def test_png_of_each_size_is_square(size):
    path = make_icons.png_path(size)
    assert path.name == f"halyk-desk-{size}.png"
    assert png_size(path.read_bytes()) == (size, size)


@pytest.mark.parametrize("size", [16, 48, 256])
def test_committed_png_still_matches_the_svg(qapp, size):
    """Fails when the SVG was changed without running packaging/make_icons.py. Compared with a
    small tolerance: another Qt version may antialias an edge a shade differently."""
    committed = QImage(str(make_icons.png_path(size)))
    assert mean_difference(committed, make_icons.render(size)) < 2.0


def test_png_is_mostly_green_with_a_white_sign_and_transparent_corners(qapp):
    image = QImage(str(make_icons.png_path(256)))
    assert image.pixelColor(0, 0).alpha() == 0
    face = image.pixelColor(40, 200)
    assert face.green() > 2 * face.red() and face.alpha() == 255
    sign = image.pixelColor(128, 180)  # the stem of the tenge sign
    assert (sign.red(), sign.green(), sign.blue()) == (255, 255, 255)


def test_ico_holds_every_windows_size_matching_the_pngs():
    entries = make_icons.read_ico(make_icons.ICO.read_bytes())
    assert [size for size, _ in entries] == list(make_icons.ICO_SIZES)
    for size, blob in entries:
        if blob.startswith(PNG_SIGNATURE):
            assert png_size(blob) == (size, size)
        else:
            header_size, width, height = struct.unpack_from("<Iii", blob)
            assert (header_size, width, height) == (40, size, 2 * size)  # image and mask


def test_qt_reads_each_ico_image_as_the_icon_drawn_at_that_size(qapp):
    """An independent reader (Qt's ico plugin) sees the right pixels, right side up."""
    reader = QImageReader(str(make_icons.ICO))
    assert reader.imageCount() == len(make_icons.ICO_SIZES)
    seen = {}
    for index in range(reader.imageCount()):
        assert reader.jumpToImage(index)
        image = reader.read()
        assert not image.isNull(), reader.errorString()
        seen[image.width()] = image
    assert sorted(seen) == sorted(make_icons.ICO_SIZES)
    for size in (16, 32, 256):
        assert mean_difference(seen[size], QImage(str(make_icons.png_path(size)))) < 1.0


def test_read_ico_refuses_other_files():
    with pytest.raises(ValueError):
        make_icons.read_ico(make_icons.png_path(16).read_bytes())
