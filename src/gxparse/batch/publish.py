"""Publishing a set of output files whole, with the permissions the umask gives.

:func:`staged` writes a folder's new contents into a staging folder beside it and swaps
it in at the end, so a reader sees the previous complete set or the new one, never a mix
(``gxparse build``'s tables, ``gxparse run``'s reports/). On Linux the swap is one
``renameat2(RENAME_EXCHANGE)``: the folder's name never stops existing. Elsewhere it is
two renames (old aside, new in), a moment without the folder but never a mixed one.

The staging folder is named ``.<name>.gxparse-<pid>.<random>.tmp``: a run killed outright
(SIGKILL, power loss) leaves it behind, and the next run on the same folder removes every
such folder whose process is gone. A folder that holds files the step did not write (the
project folder given as OUT_DIR) cannot be swapped without losing them: it is written in
place, one file at a time, as before.

:func:`atomic_file` replaces one file atomically. Temporary files and folders are created
owner-only (``mkstemp``/``mkdtemp``); before they are renamed into place they get the
mode a plain ``open()`` or ``mkdir`` would have given them under the process's umask
(typically 0644 and 0755), so colleagues on a shared server can read the outputs.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = [
    "apply_umask",
    "atomic_file",
    "current_umask",
    "exchange",
    "remove_stale",
    "staged",
    "swap_in",
]

_STAGING = re.compile(r"^\.(?P<name>.+)\.gxparse-(?P<pid>\d+)\.[^.]+\.tmp$")


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows
    (``/proc/self/status``); else set and restored at once."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def apply_umask(path: str | os.PathLike[str]) -> None:
    """Give ``path`` (and, for a folder, everything below it) the mode ``open()`` or
    ``mkdir`` would have created it with under the umask: 0666 or 0777 less the umask."""
    mask = current_umask()
    root = Path(path)
    paths = [root]
    if root.is_dir() and not root.is_symlink():
        paths += list(root.rglob("*"))
    for p in paths:
        if p.is_symlink():
            continue
        os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~mask)


def atomic_file(path: Path, write: Callable[[str], object]) -> None:
    """Write ``path`` through ``write(tmp)`` to a temporary name beside it, then rename it
    into place with the umask's mode. The temporary file never outlives the call."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        apply_umask(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2() -> Callable[..., int] | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``).
    Returns False where the system or file system cannot (the caller then renames)."""
    func = _renameat2()
    if func is None:
        return False
    if func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(target: Path) -> list[Path]:
    """Remove the staging folders beside ``target`` left by runs whose process is gone
    (killed outright); returns them. A live run's staging folder is left alone."""
    removed = []
    parent = target.parent
    if not parent.is_dir():
        return removed
    for entry in parent.iterdir():
        m = _STAGING.match(entry.name)
        if m is None or m["name"] != target.name or _alive(int(m["pid"])):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        if entry.exists() and not entry.is_dir():
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def swap_in(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target``; the previous ``target`` ends at ``staging``'s name
    (to be removed), or is absent when there was none."""
    if not target.exists():
        os.rename(staging, target)
        return
    if exchange(staging, target):
        return
    aside = staging.with_name(staging.name[: -len(".tmp")] + ".old.tmp")
    os.rename(target, aside)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(aside, target)
        raise
    os.rename(aside, staging)


@contextlib.contextmanager
def staged(target: str | os.PathLike[str], owned: Callable[[Path], bool]) -> Iterator[Path]:
    """A folder to write ``target``'s new contents into, published whole on success.

    When ``target`` is absent, or each entry in it is one ``owned`` says the step writes,
    the folder is a new staging folder beside ``target`` (mode from the umask), swapped in
    when the ``with`` block ends without an exception; the previous contents are then
    removed. On an exception the staging folder is removed and ``target`` is untouched.
    When ``target`` holds anything else, ``target`` itself is yielded (written in place).
    Staging folders of killed runs beside ``target`` are removed first."""
    target = Path(target).absolute()
    if target.is_symlink():  # swap the folder it names, not the link
        target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target)
    if target.is_dir() and not all(owned(e) for e in target.iterdir()):
        yield target
        return
    staging = Path(
        tempfile.mkdtemp(
            prefix=f".{target.name}.gxparse-{os.getpid()}.", suffix=".tmp", dir=target.parent
        )
    )
    try:
        apply_umask(staging)
        yield staging
        apply_umask(staging)
        swap_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
