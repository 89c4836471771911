# PyInstaller runtime hook: find the shared libraries the bundle carries for ctypes.
#
# pyzbar asks ctypes.util.find_library("zbar") for the zbar library. On Linux,
# PyInstaller patches only ctypes.CDLL (a bare soname falls back to _MEIPASS) and leaves
# find_library asking the system's ldconfig cache, so without the system package
# libzbar0 the bundled libzbar.so.0 would never be loaded. This returns the bundled file
# first, for the libraries named here only.
import ctypes.util
import os
import sys

_BUNDLED_FOR_CTYPES = ("zbar",)


def _install() -> None:
    root = getattr(sys, "_MEIPASS", None)
    if root is None or sys.platform == "win32":  # Windows: PyInstaller's own patch searches _MEIPASS
        return
    system_find_library = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        if name in _BUNDLED_FOR_CTYPES:
            prefix = f"lib{name}.so"
            for entry in sorted(os.listdir(root)):
                if entry == prefix or entry.startswith(prefix + "."):
                    return os.path.join(root, entry)
        return system_find_library(name)

    ctypes.util.find_library = find_library


_install()
