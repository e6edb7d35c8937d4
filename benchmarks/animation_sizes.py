"""The size of every animation of a config in each format, against its GIF.

    python benchmarks/animation_sizes.py [--configfile config/config.yaml] [--markdown]

Runs the config with `animation: {formats: [gif, mp4, webm], gifsicle:
false}` in a fresh copy of the workflow (`--cores 2`) and prints, per
animation, the bytes of Pillow's GIF, of `gifsicle -O3` of it (what the
workflow writes by default), of the MP4 and the WebM, and their ratios
(issue 13: a video at most a quarter of Pillow's GIF).
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from optimizer_animations.testing import copy_workflow

REPO = Path(__file__).resolve().parent.parent


def gifsicle_size(gif: Path) -> int:
    out = gif.with_suffix(".O3.gif")
    subprocess.run(["gifsicle", "-O3", str(gif), "-o", str(out)], check=True)
    size = out.stat().st_size
    out.unlink()
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configfile", type=Path, default=REPO / "config/config.yaml")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    config = yaml.safe_load(args.configfile.read_text())
    config["animation"] = {"formats": ["gif", "mp4", "webm"], "gifsicle": False}
    config.pop("publish", None)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        copy_workflow(workdir, config)
        subprocess.run(
            [sys.executable, "-m", "snakemake", "--cores", "2", "--quiet"],
            cwd=workdir,
            check=True,
            capture_output=True,
        )
        results = workdir / "results"
        rows = []
        for gif in sorted(results.rglob("*.gif")):
            size = gif.stat().st_size
            mp4 = gif.with_suffix(".mp4").stat().st_size
            webm = gif.with_suffix(".webm").stat().st_size
            rows.append((str(gif.relative_to(results)), size, mp4, webm, gifsicle_size(gif)))
    header = ["animation", "Pillow GIF", "gifsicle -O3", "MP4", "WebM", "MP4/GIF", "WebM/GIF"]
    lines = [
        [
            name,
            f"{gif / 1000:.1f} KB",
            f"{o3 / 1000:.1f} KB ({o3 / gif:.2f})",
            f"{mp4 / 1000:.1f} KB",
            f"{webm / 1000:.1f} KB",
            f"{mp4 / gif:.2f} ({mp4 / o3:.2f} of gifsicle's)",
            f"{webm / gif:.2f} ({webm / o3:.2f})",
        ]
        for name, gif, mp4, webm, o3 in rows
    ]
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for line in lines:
            print("| " + " | ".join(line) + " |")
    else:
        print("  ".join(f"{h:>12}" for h in header))
        for line in lines:
            print("  ".join(f"{v:>12}" for v in line))


if __name__ == "__main__":
    main()
