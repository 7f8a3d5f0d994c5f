"""Phase markers for `highwater exec`, standard library only.

    from highwater_phase import phase
    with phase("load"):
        data = load()

Writes "begin NAME" / "end NAME" lines to the file descriptor in HIGHWATER_PHASE_FD. Outside
highwater (no variable) or when the descriptor is closed, it does nothing: measuring must
never break the program measured.
"""
import contextlib
import os

_FD = os.environ.get("HIGHWATER_PHASE_FD")


def _write(line):
    if _FD is None:
        return
    try:
        os.write(int(_FD), (line + "\n").encode())
    except (OSError, ValueError):
        pass


@contextlib.contextmanager
def phase(name):
    """Mark the block as phase NAME (nesting is allowed)."""
    _write("begin " + name)
    try:
        yield
    finally:
        _write("end " + name)
