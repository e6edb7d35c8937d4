"""Copy chosen results into a documentation tree, touching only what changed.

A docs repository reviews figures as diffs: a file whose bytes are unchanged
is left alone (same mtime, no diff); a changed one is replaced atomically.
"""

import shutil
from pathlib import Path
from typing import Any

from optimizer_animations.files import atomic_output


def publish(files: dict[str, str | Path], destination: str | Path) -> dict[str, str]:
    """Copy each source in `files` (name -> source) to `destination`/name.

    Returns name -> "created", "updated" or "unchanged".
    """
    actions = {}
    for name, source in files.items():
        target = Path(destination) / name
        data = Path(source).read_bytes()
        if target.is_file() and target.read_bytes() == data:
            actions[name] = "unchanged"
            continue
        actions[name] = "updated" if target.exists() else "created"
        with atomic_output(target) as tmp:
            shutil.copyfile(source, tmp)
    return actions


def publish_report(names: list[str], sources: list[str], destination: str) -> list[str]:
    """Publish `sources` under `names` into `destination` and say what was done,
    one line per file ("  created  docs/images/x.png")."""
    actions = publish(dict(zip(names, sources, strict=True)), destination)
    return [f"{action:>9}  {Path(destination) / name}" for name, action in actions.items()]


def main(smk: Any) -> None:
    # Not log_to(): the user asked for this step and should see what it did.
    lines = publish_report(smk.params.names, smk.input.files, smk.params.dir)
    print("\n".join(lines), flush=True)
    with atomic_output(smk.log[0]) as tmp:
        tmp.write_text("\n".join(lines) + "\n")
