"""The ``kg`` executable: runs with a faster memory allocator, then runs the command line.

Oxigraph's query evaluation allocates and frees a great many small blocks. With glibc's
allocator a quarter of the as-of query's time went to its general path (measured with
``perf``). Two remedies, chosen when the executable starts:

* mimalloc, when the system has it (Debian: ``apt-get install libmimalloc2.0``), is preloaded
  (``LD_PRELOAD``): the as-of query runs about 30% faster at 1M and 10M triples, with no more
  memory; it is asked to back its memory with transparent huge pages where the system allows
  (``MIMALLOC_LARGE_OS_PAGES=1``: fewer address translations over gigabytes of store, about 7%
  faster at 10M for 3% more memory);
* glibc keeps 5,000 freed blocks of each size in its per-thread cache instead of 7
  (``GLIBC_TUNABLES``): what is left to glibc runs faster, and without mimalloc queries run
  about 10-25% faster, for a few megabytes.

Both are read only when a process starts, so the executable runs itself again, once, with the
settings added and a mark (``KG_ALLOCATOR_TUNED``) that stops it from doing so again, even
where the loader drops the settings (a program with raised privileges). Set ``KG_KEEP_ALLOCATOR=1`` to run with the allocator as it is; a library the
user preloads comes first, a tunable the user sets is kept, other C libraries are left alone.

>>> tuned_environment({"PATH": "/bin"}, libc="glibc", mimalloc=None)["GLIBC_TUNABLES"]
'glibc.malloc.tcache_count=5000'
>>> tuned = tuned_environment({}, libc="glibc", mimalloc="/usr/lib/libmimalloc.so.2")
>>> tuned["LD_PRELOAD"], tuned["GLIBC_TUNABLES"], tuned["MIMALLOC_LARGE_OS_PAGES"]
('/usr/lib/libmimalloc.so.2', 'glibc.malloc.tcache_count=5000', '1')
>>> tuned_environment({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2"},
...                   libc="glibc", mimalloc=None)["GLIBC_TUNABLES"]
'glibc.malloc.arena_max=2:glibc.malloc.tcache_count=5000'
>>> tuned_environment({"GLIBC_TUNABLES": "glibc.malloc.tcache_count=7"}, libc="glibc",
...                   mimalloc=None) is None
True
>>> tuned_environment({"KG_KEEP_ALLOCATOR": "1"}, libc="glibc", mimalloc="/m.so") is None
True
>>> tuned_environment({"KG_ALLOCATOR_TUNED": "1"}, libc="glibc", mimalloc="/m.so") is None
True
>>> tuned_environment({}, libc="musl", mimalloc="/m.so") is None
True
"""

from __future__ import annotations

import os
import platform
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path

TCACHE_TUNABLE = "glibc.malloc.tcache_count"
TCACHE_COUNT = 5000
OPT_OUT = "KG_KEEP_ALLOCATOR"
TUNED = "KG_ALLOCATOR_TUNED"
MIMALLOC = "libmimalloc.so.2"
MIMALLOC_OPTIONS = {"MIMALLOC_LARGE_OS_PAGES": "1"}


def mimalloc_library() -> str | None:
    """The path of the system's mimalloc library, or ``None`` (looked for in the usual
    library folders, without starting a program: ``kg`` starts on every command).

    >>> found = mimalloc_library()
    >>> found is None or found.endswith("libmimalloc.so.2")
    True
    """
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    folders = [f"/usr/lib/{multiarch}", f"/lib/{multiarch}", "/usr/lib64", "/usr/lib",
               "/usr/local/lib"]
    for folder in folders:
        candidate = Path(folder) / MIMALLOC
        if candidate.is_file():
            return str(candidate)
    return None


def tuned_environment(environ: Mapping[str, str], *, libc: str | None = None,
                      mimalloc: str | None | bool = True) -> dict[str, str] | None:
    """``environ`` with the allocator settings added, or ``None`` when there is nothing to
    add: not glibc, the user opted out, or the settings are there already (the user's or
    ours). ``mimalloc`` is the library to preload; ``True`` looks for it."""
    libc = platform.libc_ver()[0] if libc is None else libc
    if libc != "glibc" or environ.get(OPT_OUT) or environ.get(TUNED):
        return None
    library = mimalloc_library() if mimalloc is True else mimalloc
    tuned = dict(environ)
    preloaded = environ.get("LD_PRELOAD", "")
    if library and MIMALLOC not in preloaded:
        tuned["LD_PRELOAD"] = f"{preloaded} {library}".strip()
        for option, value in MIMALLOC_OPTIONS.items():
            tuned.setdefault(option, value)
    tunables = environ.get("GLIBC_TUNABLES", "")
    if TCACHE_TUNABLE not in tunables:
        setting = f"{TCACHE_TUNABLE}={TCACHE_COUNT}"
        tuned["GLIBC_TUNABLES"] = f"{tunables}:{setting}" if tunables else setting
    if tuned == dict(environ):
        return None
    tuned[TUNED] = "1"
    return tuned


def main() -> None:
    """Run ``kg``: first, once, again with the allocator settings (see the module)."""
    environment = tuned_environment(os.environ)
    if environment is not None:
        try:
            os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], environment)
        except OSError:
            pass  # cannot run again: run as it is, only slower
    from kg.cli import main as command_line
    command_line()
