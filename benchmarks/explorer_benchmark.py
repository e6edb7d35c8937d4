"""Each explorer page of a finished run: its weight, how soon it is
interactive and how fast a slider move redraws it, in Chromium (issue 24).

    python benchmarks/explorer_benchmark.py RESULTS_DIR [--runs 5] [--libraries]

For every `RESULTS_DIR/*/explorer.html` (config/tuned.yaml's six tuned
landscapes: `snakemake --cores 4 --configfile config/tuned.yaml
--replace-workflow-config`), prints:

- the bytes over the wire: the page as it is (it holds its data, script,
  style and background; it loads nothing else) and gzip -9 of it, as a
  server that compresses would send it (target: at most 1.5 MB);
- interactive: milliseconds from navigation start until the page's script
  has drawn and answers (`window.optimizerAnimations.explorer.readyAt`),
  the median of `--runs` fresh loads (target: under 1 s);
- a slider move: the milliseconds the page takes to redraw both canvases
  and the numbers after the learning-rate slider moves (an `input` event,
  handled synchronously), median and slowest over every slider position
  and `--runs` passes (target: under 50 ms).

The page is served from memory at one origin by Playwright, with every
other request refused and counted (it must be 0). `--libraries` also prints
the sizes of the drawing libraries the choice was measured against, from
the wheels and npm packages in pip's and npm's caches when present.
"""

import argparse
import gzip
import shutil
import statistics
import sys
from pathlib import Path

from optimizer_animations.testing import launch_chromium, open_offline

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

MOVE = """(column) => {
  const slider = document.querySelector(`#oa-x-arg-${column}`);
  const times = [];
  for (let i = 0; i <= Number(slider.max); i++) {
    const started = performance.now();
    slider.value = String(i);
    slider.dispatchEvent(new Event("input"));
    times.push(performance.now() - started);
  }
  return times;
}"""


def measure(results: Path, page_path: Path, runs: int) -> dict:
    relative = page_path.relative_to(results).as_posix()
    body = page_path.read_bytes()
    ready, moves, refused_all, errors_all = [], [], [], []
    with launch_chromium(CHROMIUM) as chromium:
        for _ in range(runs):
            page = chromium.new_page(viewport={"width": 1280, "height": 900})
            refused, errors = open_offline(page, results, relative)
            page.wait_for_function("() => window.optimizerAnimations?.explorer?.readyAt")
            ready.append(page.evaluate("window.optimizerAnimations.explorer.readyAt"))
            moves += page.evaluate(MOVE, 0)
            refused_all += refused
            errors_all += errors
            page.close()
    return {
        "page": relative,
        "bytes": len(body),
        "gzip": len(gzip.compress(body, 9, mtime=0)),
        "ready_ms": statistics.median(ready),
        "move_ms": statistics.median(moves),
        "slowest_move_ms": max(moves),
        "refused": len(refused_all),
        "errors": errors_all,
    }


def library_sizes() -> list[tuple[str, int]]:
    """plotly.min.js, vega, vega-lite and vega-embed from local caches, if there."""
    found = []
    for pattern in (
        "**/plotly.min.js",
        "**/vega.min.js",
        "**/vega-lite.min.js",
        "**/vega-embed.min.js",
    ):
        for root in (Path.home() / ".cache", Path("/usr/lib/node_modules"), REPO / ".venv"):
            hits = sorted(root.glob(pattern)) if root.exists() else []
            if hits:
                found.append((str(hits[0]), hits[0].stat().st_size))
                break
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--libraries", action="store_true")
    args = parser.parse_args()
    pages = sorted(args.results.glob("*/explorer.html"))
    if not pages:
        sys.exit(f"no */explorer.html under {args.results}: run a config with explorer: true")
    print(
        "| page | bytes | gzip -9 | interactive (ms, median) | slider move (ms, median / slowest) |"
    )
    print("|---|---:|---:|---:|---:|")
    for path in pages:
        row = measure(args.results, path, args.runs)
        if row["refused"] or row["errors"]:
            sys.exit(f"{row['page']}: {row['refused']} refused requests, errors {row['errors']}")
        print(
            f"| {row['page']} | {row['bytes']:,} | {row['gzip']:,} | {row['ready_ms']:.0f}"
            f" | {row['move_ms']:.1f} / {row['slowest_move_ms']:.1f} |"
        )
    if args.libraries:
        for name, size in library_sizes():
            print(f"{name}: {size:,} bytes")


if __name__ == "__main__":
    main()
