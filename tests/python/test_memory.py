"""Memory: fitting a 10M-interaction matrix through the facade copies it once (the engine's own
CSR) beside the transposed orientation that ALS needs (implicit builds one too); measured as the
peak resident set of a fresh interpreter during fit()."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from conftest import import_tailor

import_tailor()
PROBE = pathlib.Path(__file__).with_name("memory_probe.py")
NNZ = 10_000_000


def probe(which: str) -> dict:
    done = subprocess.run([sys.executable, str(PROBE), which, str(NNZ)], capture_output=True,
                          text=True, env={**os.environ, "OMP_NUM_THREADS": "2"}, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc")
def test_fit_copies_the_matrix_once():
    ours = probe("tailor")
    print("tailor:", ours)
    # The engine's CSR (one copy), its transpose and the factors; 48 MB for the allocator,
    # per-thread scratch and the module's own buffers.
    allowed = 2 * ours["matrix_bytes"] + ours["factor_bytes"] + (48 << 20)
    assert ours["growth"] <= allowed, (ours["growth"] >> 20, allowed >> 20)


def test_fit_memory_beside_implicit():
    pytest.importorskip("implicit", reason="implicit is not installed for this interpreter")
    ours, theirs = probe("tailor"), probe("implicit")
    print("tailor:", ours, "\nimplicit:", theirs)
    # implicit keeps the caller's matrix and builds the transpose; tailor's extra is its copy.
    assert ours["growth"] <= theirs["growth"] + ours["matrix_bytes"] + (48 << 20)
