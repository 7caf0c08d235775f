"""Use OpenBLAS for training when scripts/setup-train.sh has fetched it.

Debian's python3-torch links the reference BLAS (libblas3), which runs matrix
products ~13x slower than OpenBLAS here. scripts/setup-train.sh extracts
Debian's libopenblas0-pthread into <repo>/.cache/openblas (no system change);
reexec_with_openblas() restarts the interpreter with that folder first on
LD_LIBRARY_PATH (torch loads libblas.so.3 by soname). Results are
reproducible for a given seed, thread count and BLAS; set
GLINER_TRAIN_BLAS=system to keep the system BLAS.
"""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OPENBLAS_DIR = os.path.join(REPO, ".cache", "openblas", "usr", "lib", "x86_64-linux-gnu", "openblas-pthread")


def reexec_with_openblas(threads):
    if os.environ.get("GLINER_TRAIN_BLAS") == "system":
        return
    if not os.path.exists(os.path.join(OPENBLAS_DIR, "libblas.so.3")):
        print("note: OpenBLAS not found in %s (run scripts/setup-train.sh); training with the system BLAS is "
              "much slower" % OPENBLAS_DIR, file=sys.stderr)
        return
    paths = os.environ.get("LD_LIBRARY_PATH", "").split(":")
    if OPENBLAS_DIR in paths:
        return
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = ":".join([OPENBLAS_DIR] + [p for p in paths if p])
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env["GLINER_TRAIN_BLAS"] = "openblas"
    # Threads that sleep instead of spinning: on a busy machine spinning
    # OpenMP workers made 2-thread training 7x slower than 1 thread.
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    argv = list(getattr(sys, "orig_argv", [])) or [sys.executable] + sys.argv
    os.execve(sys.executable, [sys.executable] + argv[1:], env)
