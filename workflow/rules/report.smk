# The gallery comes from the histories; each experiment's GIF pages and
# report captions come from its own jobs (render.smk), so that
# `snakemake --report` shows final losses.


report: "../report/workflow.rst"


# The only job that reads every experiment: a change to one experiment
# rewrites that experiment's files and this page, nothing else. The page
# links the figures by name, so it needs only the histories: it is written
# while the figures are drawn, and redrawing one leaves it untouched.
rule gallery:
    input:
        histories=[
            path
            for experiment, plan in PLAN.experiments.items()
            for path in histories(experiment, plan.animated_labels)
        ],
        players=PLAN.player_files(),
    output:
        index=LAYOUT.index(),
        assets=[LAYOUT.asset(name) for name in PLAYER_ASSETS],
    log:
        f"{LOGS}/gallery.log",
    # Quick, file-system-only jobs: not worth a cluster submission.
    localrule: True
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        **report_safe(
            code=code("gallery.py"),
            figures=PLAN.shown(),
            formats=FORMATS,
            scale=SCALE,
        ),
    script:
        "../../scripts/gallery.py"


# No output: a rule without outputs runs whenever it is asked for, and the
# script itself leaves unchanged files untouched (Snakemake would delete an
# output before rewriting it).
rule publish:
    input:
        files=[f"{RESULTS}/{source}" for source in PUBLISHED.values()],
    log:
        f"{LOGS}/publish.log",
    localrule: True
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=200,
        runtime=5,
    params:
        **report_safe(
            code=code("publish.py"),
            names=list(PUBLISHED),
            dir=PUBLISH_DIR,
        ),
    script:
        "../../scripts/publish.py"


# Publishes, then builds docs/ (MyST pages, Sphinx) into results/site/ with
# warnings as errors. Reruns when a published result or a site file changes.
rule docs:
    input:
        published=[f"{RESULTS}/{source}" for source in PUBLISHED.values()],
        site=site_sources(),
    output:
        directory(LAYOUT.site()),
    log:
        f"{LOGS}/docs.log",
    localrule: True
    conda:
        "../envs/docs.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        **report_safe(
            code=code("build_site.py"),
            names=list(PUBLISHED),
            dir=PUBLISH_DIR,
            source=SITE_SOURCE,
        ),
    script:
        "../../scripts/build_site.py"
