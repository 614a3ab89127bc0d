"""The kg executable runs itself again, once, with a faster allocator: mimalloc when the
system has it (CI installs it), else glibc's larger allocator cache."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from kg.launch import MIMALLOC, OPT_OUT, TCACHE_TUNABLE, TUNED, mimalloc_library, tuned_environment

# Prints what the process runs with, then launches kg (which may run the same code again).
PRINT_THEN_LAUNCH = (
    "import os, sys; from pathlib import Path; from kg.launch import main; "
    "mapped = 'libmimalloc' in Path('/proc/self/maps').read_text(); "
    "print(os.environ.get('GLIBC_TUNABLES'), os.environ.get('LD_PRELOAD'), mapped, flush=True); "
    "sys.argv = ['kg', '--version']; main()")

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc",
                                reason="the settings are glibc's; other C libraries are left alone")


def launch(environment: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PRINT_THEN_LAUNCH], env=environment,
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.splitlines()


@glibc_only
def test_the_executable_runs_again_once_with_mimalloc_and_the_cache_setting(tmp_path):
    library = mimalloc_library()
    assert library is not None, "install mimalloc (Debian: apt-get install libmimalloc2.0)"
    before, after, version = launch({"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert before == "None None False"
    assert after == f"{TCACHE_TUNABLE}=5000 {library} True"
    assert version.startswith("kg, version ")


@glibc_only
def test_the_opt_out_or_settings_already_there_run_it_as_it_is(tmp_path):
    opted_out = {"PATH": "/usr/bin:/bin", OPT_OUT: "1"}
    assert launch(opted_out)[0] == "None None False" and len(launch(opted_out)) == 2
    library = mimalloc_library()
    done = {"PATH": "/usr/bin:/bin", "GLIBC_TUNABLES": f"{TCACHE_TUNABLE}=64",
            "LD_PRELOAD": str(library)}
    lines = launch(done)
    assert lines[0] == f"{TCACHE_TUNABLE}=64 {library} True" and len(lines) == 2


def test_a_user_preload_comes_first_and_other_tunables_are_kept():
    tuned = tuned_environment({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2", "X": "1",
                               "LD_PRELOAD": "/opt/own.so"}, libc="glibc", mimalloc="/m/" + MIMALLOC)
    assert tuned == {"GLIBC_TUNABLES": f"glibc.malloc.arena_max=2:{TCACHE_TUNABLE}=5000",
                     "X": "1", "LD_PRELOAD": f"/opt/own.so /m/{MIMALLOC}",
                     "MIMALLOC_LARGE_OS_PAGES": "1", TUNED: "1"}
    own_option = tuned_environment({"MIMALLOC_LARGE_OS_PAGES": "0"}, libc="glibc",
                                   mimalloc="/m/" + MIMALLOC)
    assert own_option["MIMALLOC_LARGE_OS_PAGES"] == "0"


def test_without_mimalloc_only_the_cache_setting_is_added():
    assert tuned_environment({"X": "1"}, libc="glibc", mimalloc=None) == {
        "X": "1", "GLIBC_TUNABLES": f"{TCACHE_TUNABLE}=5000", TUNED: "1"}


@glibc_only
def test_the_mark_stops_a_second_run_even_when_the_settings_were_dropped(tmp_path):
    # A loader in secure-execution mode drops LD_PRELOAD and GLIBC_TUNABLES: the mark alone
    # must keep the executable from running itself again and again.
    lines = launch({"PATH": "/usr/bin:/bin", TUNED: "1"})
    assert lines[0] == "None None False" and len(lines) == 2
