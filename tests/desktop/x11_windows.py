"""The X server's view of the program's windows, through libX11 (ctypes): which top-level windows
are shown and what they are called, and closing one the way a window manager's close button does
(a WM_DELETE_WINDOW message), so the program ends as it does for a person."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

_IS_VIEWABLE = 2
_CLIENT_MESSAGE = 33
_NO_EVENT_MASK = 0
_ANY_PROPERTY_TYPE = 0


class _WindowAttributes(ctypes.Structure):
    _fields_ = [  # XWindowAttributes, in Xlib.h's order
        ("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int),
        ("height", ctypes.c_int), ("border_width", ctypes.c_int), ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p), ("root", ctypes.c_ulong), ("class_", ctypes.c_int),
        ("bit_gravity", ctypes.c_int), ("win_gravity", ctypes.c_int),
        ("backing_store", ctypes.c_int), ("backing_planes", ctypes.c_ulong),
        ("backing_pixel", ctypes.c_ulong), ("save_under", ctypes.c_int),
        ("colormap", ctypes.c_ulong), ("map_installed", ctypes.c_int),
        ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long),
        ("your_event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
        ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p),
    ]


class _ClientMessage(ctypes.Structure):
    _fields_ = [  # XClientMessageEvent with format 32
        ("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p), ("window", ctypes.c_ulong),
        ("message_type", ctypes.c_ulong), ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    ]


class _Event(ctypes.Union):
    _fields_ = [("client", _ClientMessage), ("pad", ctypes.c_long * 24)]


@dataclass(frozen=True)
class Window:
    id: int
    title: str
    width: int
    height: int


def _xlib() -> ctypes.CDLL:
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XDefaultRootWindow.restype = ctypes.c_ulong
    x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong] + [ctypes.c_void_p] * 4
    x11.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_void_p]
    x11.XGetWindowProperty.argtypes = [
        ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_long, ctypes.c_long,
        ctypes.c_int, ctypes.c_ulong] + [ctypes.c_void_p] * 5
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                               ctypes.c_void_p]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XFree.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    return x11


class X11:
    """A connection to one X server."""

    def __init__(self, x11: ctypes.CDLL, display: int) -> None:
        self._x = x11
        self._d = display

    def _atom(self, name: str) -> int:
        return self._x.XInternAtom(self._d, name.encode(), 0)

    def _property(self, window: int, name: str) -> bytes:
        kind, form = ctypes.c_ulong(), ctypes.c_int()
        count, after = ctypes.c_ulong(), ctypes.c_ulong()
        data = ctypes.c_void_p()
        self._x.XGetWindowProperty(
            self._d, window, self._atom(name), 0, 1024, 0, _ANY_PROPERTY_TYPE,
            ctypes.byref(kind), ctypes.byref(form), ctypes.byref(count), ctypes.byref(after),
            ctypes.byref(data))
        if not data.value:
            return b""
        value = ctypes.string_at(data.value, count.value * max(form.value // 8, 1))
        self._x.XFree(data)
        return value

    def shown_windows(self) -> list[Window]:
        """Top-level windows mapped on the screen (none has a window manager's frame here)."""
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        children, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        self._x.XQueryTree(self._d, self._x.XDefaultRootWindow(self._d), ctypes.byref(root),
                           ctypes.byref(parent), ctypes.byref(children), ctypes.byref(count))
        found = []
        for index in range(count.value):
            window = children[index]
            attributes = _WindowAttributes()
            self._x.XGetWindowAttributes(self._d, window, ctypes.byref(attributes))
            if attributes.map_state == _IS_VIEWABLE:
                title = self._property(window, "_NET_WM_NAME").decode("utf-8", "replace")
                found.append(Window(window, title, attributes.width, attributes.height))
        if children:
            self._x.XFree(children)
        return found

    def close(self, window: int) -> None:
        """Ask the window to close, as a window manager's close button does."""
        event = _Event()
        event.client.type = _CLIENT_MESSAGE
        event.client.window = window
        event.client.message_type = self._atom("WM_PROTOCOLS")
        event.client.format = 32
        event.client.data[0] = self._atom("WM_DELETE_WINDOW")
        self._x.XSendEvent(self._d, window, 0, _NO_EVENT_MASK, ctypes.byref(event))
        self._x.XFlush(self._d)


@contextmanager
def connect(display: str) -> Iterator[X11]:
    x11 = _xlib()
    handle = x11.XOpenDisplay(display.encode())
    if not handle:
        raise RuntimeError(f"cannot connect to the X server {display}")
    try:
        yield X11(x11, handle)
    finally:
        x11.XCloseDisplay(handle)
