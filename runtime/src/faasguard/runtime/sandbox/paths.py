"""Where a path really points, cheaply enough to run on every audited file event.

`os.path.realpath` costs an `lstat` per component, so results are cached, and so is,
per directory, the set of names in it that are symlinks (one `scandir`): a new file
name in a known directory then resolves without any system call.

What a path resolves to only changes when a symlink appears or moves. Within the
process every such change is an audited event (`os.symlink`, `os.link`, `os.rename`
of anything but a plain file) and empties the caches; the hook sees these events
whether or not an invocation is active. Changes made by other processes (Lambda
extensions, allowed child processes) or by native code are not seen
(docs/runtime/sandbox.md).
"""

from __future__ import annotations

import os
import stat

MAX_ENTRIES = 4096
_MAX_SCAN = 2048  # directories with more entries are not listed: lstat per name instead
_cache: dict[str, str] = {}
_links: dict[str, frozenset[str] | None] = {}
"""Resolved directory -> names of the symlinks in it; None: too big or unreadable."""
_dirs: dict[str, tuple[str, frozenset[str]]] = {}
"""Directory as written (absolute, no "." parts) -> (its resolved form ending in "/",
the symlink names in it): both halves of `_realpath`'s short cut in one lookup. Only
directories whose symlinks were listed."""
_plain: dict[str, str] = {}
"""Absolute path as written -> its resolved form plus "/", for paths whose last part
is not a symlink: the same with or without following it, so open, remove and rename
checks can all use it. Filled by `plain_name` and `_realpath`'s short cut."""
NOT_NAMES = frozenset({"", ".", ".."})
"""Last parts of a path that do not name an entry of its directory."""
_epoch = [0]
"""Counts the times the caches were emptied: what policies derive from `_dirs` (see
`Sandbox._verdicts`) is valid only in the epoch it was derived in."""

# Events after which a cached resolution may be wrong: only a new symlink, a rename or
# a hard link (os.link with follow_symlinks=False links the symlink itself) can make
# an existing name lead somewhere else. (Removing a symlink cannot: putting a new one
# in its place is another of these events.)
NAMESPACE_EVENTS = frozenset({"os.symlink", "os.rename", "os.link"})

_dirty = [False]


def cache_state() -> tuple[dict[str, str], list[bool]]:
    """The cache and its dirty flag, for callers that look up the common case inline."""
    return _cache, _dirty


def dirs_state() -> tuple[dict[str, tuple[str, frozenset[str]]], list[int]]:
    """The listed directories (as written -> resolved with "/", symlink names in it)
    and the epoch counter, for policies that derive per-directory answers."""
    return _dirs, _epoch


def plain_state() -> dict[str, str]:
    """The table of `_plain`, for the checks' inline lookup; valid only while the
    dirty flag is off (the caller tests it)."""
    return _plain


def plain_name(path: str) -> str | None:
    """The resolved form plus "/" of an absolute `path` whose directory was listed and
    whose last part is not a symlink (what `_realpath` would answer, without its calls
    or system calls), remembered in `_plain`; None otherwise. The caller has checked
    that the dirty flag is off."""
    parent, _, name = path.rpartition("/")
    known = _dirs.get(parent)
    if known is None or name in known[1] or name in NOT_NAMES or "\0" in name:
        return None
    if len(_plain) >= MAX_ENTRIES:
        _plain.clear()
    real = _plain[path] = known[0] + name + "/"
    return real


def invalidate() -> None:
    _cache.clear()
    _links.clear()
    _dirs.clear()
    _plain.clear()
    _epoch[0] += 1
    _dirty[0] = False


def note_change(event: str, args: tuple[object, ...]) -> None:
    """Called by the hook for NAMESPACE_EVENTS, before the change happens. Renaming a
    plain file over a name that is not a symlink changes no resolution (a path whose
    last part is not a symlink resolves the same whether it exists or not); any
    other rename, any new symlink and any hard link empty the caches."""
    if event == "os.rename" and _plain_file(args[0], args[2]) and not _is_link(args[1], args[3]):
        return
    mark_dirty()


def _lstat_mode(path: object, dir_fd: object) -> int | None:
    """The mode bits, 0 when nothing is there, None when it cannot be told."""
    try:
        fd = dir_fd if isinstance(dir_fd, int) and dir_fd >= 0 else None
        return os.lstat(path, dir_fd=fd).st_mode  # type: ignore[arg-type]
    except FileNotFoundError:
        return 0
    except (OSError, TypeError, ValueError):
        return None


def _plain_file(path: object, dir_fd: object) -> bool:
    mode = _lstat_mode(path, dir_fd)
    return mode is not None and stat.S_ISREG(mode)


def _is_link(path: object, dir_fd: object) -> bool:
    mode = _lstat_mode(path, dir_fd)
    return mode is None or stat.S_ISLNK(mode) or stat.S_ISDIR(mode)  # unknown counts too


def _symlinks_in(real_dir: str) -> frozenset[str] | None:
    if real_dir in _links:
        return _links[real_dir]
    links: set[str] | None = set()
    try:
        with os.scandir(real_dir) as entries:
            for count, entry in enumerate(entries):
                if count >= _MAX_SCAN:
                    links = None
                    break
                if entry.is_symlink():
                    links.add(entry.name)  # type: ignore[union-attr]
    except OSError:
        links = None
    if len(_links) >= 256:
        _links.clear()
        _dirs.clear()  # its entries carry listings from _links
    result = _links[real_dir] = frozenset(links) if links is not None else None
    return result


def mark_dirty() -> None:
    """Called after checking an event that changes the file system's names: the
    change itself happens after the hook returns, so the cache is emptied at the
    next lookup rather than now."""
    _dirty[0] = True


def _dir_of_fd(dir_fd: int) -> str | None:
    try:
        target = os.readlink(f"/proc/self/fd/{dir_fd}")
    except OSError:
        return None
    return target if target.startswith("/") else None


def as_text(path: object) -> str | None:
    """str, bytes and os.PathLike paths as text; None for anything else."""
    try:
        return os.fsdecode(path)  # type: ignore[arg-type]
    except TypeError:
        return None


def resolve(path: object, dir_fd: object = None, follow: bool = True) -> str | None:
    """The absolute, symlink-free form of `path`, or None when it cannot be known
    (a relative path under a `dir_fd` we cannot read back, a non-path value).

    `follow=False` is for opens that never follow a symlink in the last component
    (O_NOFOLLOW, or O_CREAT|O_EXCL): only the directory part is resolved, and the
    `lstat` of the name is saved."""
    text = path if type(path) is str else as_text(path)
    if text is None or "\0" in text:
        return None
    if not text.startswith("/"):
        if isinstance(dir_fd, int) and dir_fd >= 0:
            base = _dir_of_fd(dir_fd)
            if base is None:
                return None
        else:
            try:
                base = os.getcwd()
            except OSError:
                return None
        text = base + "/" + text
    if _dirty[0]:
        invalidate()
    if not follow:
        parent, _, name = text.rpartition("/")
        if parent and name and name not in (".", ".."):
            real_parent = _cache.get(parent)
            if real_parent is None:
                real_parent = _cache[parent] = os.path.realpath(parent)
            return real_parent.rstrip("/") + "/" + name
    cached = _cache.get(text)
    if cached is None:
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        cached = _cache[text] = _realpath(text)
    return cached


def _realpath(text: str) -> str:
    """`os.path.realpath`, with a short cut for the common case of a new file name in
    a known directory: resolve the directory (cached), then its symlink names (or one
    `lstat`) tell whether the last component is a symlink. Paths with "." components
    or doubled slashes take the full route."""
    parent, _, name = text.rpartition("/")
    if not parent or not name or "/." in text or "//" in text:
        return os.path.realpath(text)
    real_parent = _cache.get(parent)
    if real_parent is None:
        real_parent = _cache[parent] = os.path.realpath(parent)
    links = _symlinks_in(real_parent)
    if links is not None and parent not in _dirs:
        if len(_dirs) >= 256:
            _dirs.clear()
        _dirs[parent] = (real_parent.rstrip("/") + "/", links)
    if links is None:
        try:
            is_link = stat.S_ISLNK(os.lstat(text).st_mode)
        except OSError:
            is_link = False  # does not exist (yet): nothing to follow
    else:
        is_link = name in links
    if is_link:
        return os.path.realpath(text)
    real = real_parent.rstrip("/") + "/" + name
    if links is not None:
        if len(_plain) >= MAX_ENTRIES:
            _plain.clear()
        _plain[text] = real + "/"
    return real


def real_roots(paths: object) -> tuple[str, ...]:
    """Directory roots in resolved form, each ending in "/" (built once, at cold start)."""
    roots = []
    for path in paths:  # type: ignore[attr-defined]
        real = os.path.realpath(os.path.abspath(os.fsdecode(path)))
        roots.append(real.rstrip("/") + "/")
    return tuple(dict.fromkeys(roots))


def under(path: str, roots: tuple[str, ...]) -> bool:
    """Is `path` (resolved) one of `roots` or inside one of them?"""
    return (path + "/").startswith(roots)
