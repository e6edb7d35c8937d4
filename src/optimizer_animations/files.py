"""Writing results safely: atomic outputs that a killed job never leaves
half-written, the leftovers of killed jobs, and a job's log."""

import logging
import os
import re
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Temporary outputs are named `.{name}.partial-{host}-{pid}{suffix}` next to
# their target (same file system, so the final rename is atomic). The host and
# process say whether their writer still runs; files from before had no host.
PARTIAL_MARKER = ".partial-"
PARTIAL_WRITER = re.compile(r"\.partial-(?:(?P<host>.+)-)?(?P<pid>\d+)(?:\.[^.]*)?$")
HOST = socket.gethostname()


def partial_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{PARTIAL_MARKER}{HOST}-{os.getpid()}{path.suffix}")


def remove_stale_partials(path: Path) -> None:
    """Remove what a killed earlier job left while writing `path`.

    Safe: Snakemake never runs two jobs for the same output at once.
    """
    for stale in path.parent.glob(f".{path.name}{PARTIAL_MARKER}*"):
        stale.unlink(missing_ok=True)


def writer_is_gone(partial: Path) -> bool:
    """Whether the process that was writing `partial` on this machine has ended.

    A file written on another machine (a cluster node) is never judged here.
    """
    match = PARTIAL_WRITER.search(partial.name)
    if match is None or match["host"] not in (None, HOST):
        return False
    try:
        os.kill(int(match["pid"]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def remove_partial_outputs(root: str | Path) -> list[Path]:
    """Remove the temporary outputs under `root` whose writer has ended.

    Safe at any time, even while another Snakemake runs jobs there: a job's
    own temporary file has a live writer. The Snakefile calls it as it
    starts; a job removes its own outputs' leftovers when it writes them.
    """
    removed = [
        path
        for path in Path(root).rglob(f".*{PARTIAL_MARKER}*")
        if path.is_file() and writer_is_gone(path)
    ]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


@contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; rename it to `path` only on success.

    A job killed mid-write leaves no file that looks finished: the rename is
    atomic on POSIX file systems.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(path)
    tmp = partial_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def log_to(path: str | Path) -> logging.Logger:
    """Send this process's stdout, stderr (also of C libraries) and logging to `path`."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    log_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(message)s", force=True
    )
    return logging.getLogger("optimizer-animations")
