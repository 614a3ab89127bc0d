"""The kg executable runs itself again, once, with glibc's larger allocator cache."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from kg.launch import OPT_OUT, TCACHE_TUNABLE, tuned_environment

PRINT_THEN_LAUNCH = ("import os, sys; from kg.launch import main; "
                     "print(os.environ.get('GLIBC_TUNABLES'), flush=True); "
                     "sys.argv = ['kg', '--version']; main()")

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc",
                                reason="the setting is glibc's; other C libraries are left alone")


def launch(environment: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PRINT_THEN_LAUNCH], env=environment,
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.splitlines()


@glibc_only
def test_the_executable_runs_again_once_with_the_setting(tmp_path):
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    before, after, version = launch(environment)
    assert before == "None"
    assert after == f"{TCACHE_TUNABLE}=5000"
    assert version.startswith("kg, version ")


@glibc_only
def test_a_user_setting_or_the_opt_out_runs_it_as_it_is(tmp_path):
    own = {"PATH": "/usr/bin:/bin", "GLIBC_TUNABLES": f"{TCACHE_TUNABLE}=64"}
    assert launch(own)[:1] == [f"{TCACHE_TUNABLE}=64"] and len(launch(own)) == 2
    opted_out = {"PATH": "/usr/bin:/bin", OPT_OUT: "1"}
    assert launch(opted_out)[0] == "None" and len(launch(opted_out)) == 2


def test_other_tunables_are_kept():
    tuned = tuned_environment({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2", "X": "1"},
                              libc="glibc")
    assert tuned == {"GLIBC_TUNABLES": f"glibc.malloc.arena_max=2:{TCACHE_TUNABLE}=5000",
                     "X": "1"}
