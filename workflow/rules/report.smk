# The gallery, the GIF pages and the report captions come from the histories and
# the finished figures, so that `snakemake --report` shows final losses.


report: "../report/workflow.rst"


# Quick, file-system-only jobs: not worth a cluster submission.
localrules:
    gallery,
    publish,


rule gallery:
    input:
        histories=[
            history_path(experiment, label)
            for experiment in RUNS
            for label in animated_labels(experiment)
        ],
        figures=[
            path for path in all_figures() if path.endswith((".png", ".gif", ".csv"))
        ],
        common=COMMON_MODULE,
    output:
        index=f"{RESULTS}/index.html",
        captions=[
            *[f"{RESULTS}/{experiment}/caption.rst" for experiment in RUNS],
            *[
                f"{RESULTS}/{experiment}/{label}/caption.rst"
                for experiment in RUNS
                for label in animated_labels(experiment)
            ],
        ],
        comparison_pages=[
            report(
                f"{RESULTS}/{experiment}/comparison.html",
                caption=experiment_caption(experiment),
                category=experiment,
                subcategory="all optimizers",
                labels={"figure": "comparison (animated)"},
            )
            for experiment in RUNS
        ],
        animation_pages=[
            report(
                f"{RESULTS}/{experiment}/{label}/animation.html",
                caption=run_caption(experiment, label),
                category=experiment,
                subcategory=label,
                labels={"figure": "outputs (animated)"},
            )
            for experiment in RUNS
            for label in animated_labels(experiment)
        ],
    log:
        f"{LOGS}/gallery.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        totals={experiment: len(runs) for experiment, runs in RUNS.items()},
    script:
        "../../scripts/gallery.py"


# No output: a rule without outputs runs whenever it is asked for, and the
# script itself leaves unchanged files untouched (Snakemake would delete an
# output before rewriting it).
rule publish:
    input:
        files=[f"{RESULTS}/{source}" for source in published_files().values()],
        common=COMMON_MODULE,
    log:
        f"{LOGS}/publish.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=200,
        runtime=5,
    params:
        names=list(published_files()),
        dir=config.get("publish", {}).get("dir", "docs/images"),
    script:
        "../../scripts/publish.py"
