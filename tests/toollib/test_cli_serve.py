"""`rental serve` limits glibc's malloc for its workers (issue 21: a worker's resident memory):
two arenas instead of 8 a core, and large blocks mapped on their own. The workers are forked
(they inherit the setting) or started afresh (they read it from the environment)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from conftest import RUN_DIR
from test_cli import current_database_url

from rental.kernel import memory

glibc = pytest.mark.skipif(memory._LIBC is None, reason="glibc's malloc only")


def python(script: str, *args: str, env: dict[str, str] | None = None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script), *args],
                          env={**clean, **(env or {})}, capture_output=True, text=True,
                          timeout=120, check=True)


# the server's Granian replaced by one that notes the environment its workers would start with
SERVE = """
    import os
    import granian

    class Noting:
        def __init__(self, *args, **kwargs):
            pass

        def serve(self):
            print(os.environ.get("MALLOC_ARENA_MAX"))

    granian.Granian = Noting
    from toollib.cli import main
    raise SystemExit(main(["serve", "--port", "0"]))
"""


def test_serve_starts_its_workers_with_two_malloc_arenas():
    env = {"DATABASE_URL": current_database_url(), "VAR_DIR": str(RUN_DIR / "cli-var")}
    out = python(SERVE, env=env).stdout
    assert out.splitlines()[-1] == "2"


def test_serve_keeps_the_malloc_settings_it_is_given():
    env = {"DATABASE_URL": current_database_url(), "VAR_DIR": str(RUN_DIR / "cli-var"),
           "MALLOC_ARENA_MAX": "4"}
    out = python(SERVE, env=env).stdout
    assert out.splitlines()[-1] == "4"


# a forked child's threads each take an arena at their first malloc; malloc_stats counts them
ARENAS = """
    import ctypes, os, sys, threading

    if sys.argv[1] == "tuned":
        from rental.kernel.memory import tune_server_malloc
        tune_server_malloc()
    libc = ctypes.CDLL(None)
    if os.fork() == 0:  # as Granian starts a worker
        together = threading.Barrier(8)
        threads = [threading.Thread(target=together.wait) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        libc.malloc_stats()  # to stderr, an "Arena n:" a arena
        os._exit(0)
    os.wait()
"""


@glibc
def test_a_forked_worker_keeps_to_two_arenas():
    def arenas(how: str) -> int:
        return python(ARENAS, how).stderr.count("Arena ")

    assert arenas("tuned") <= 2
    assert arenas("as is") > 2  # so the count above means something
