# optimizer-animations: train small Keras models with several optimizers and
# render their training as documentation figures. Run `snakemake --cores 4`.
from snakemake.utils import min_version

min_version("9.0")


include: "workflow/rules/setup.smk"


configfile: DEFAULT_CONFIG


include: "workflow/rules/common.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/render.smk"


# Temporary files of jobs killed in an earlier run (see scripts/common.py).
onstart:
    remove_partial_outputs(RESULTS)


# After the wall of job output, say where to look.
onsuccess:
    if Path(RESULTS, "index.html").is_file():
        print(
            f"\nDone. Gallery: {Path(RESULTS, 'index.html').resolve()}",
            file=sys.stderr,
        )


localrules:
    all,


rule all:
    default_target: True
    input:
        all_outputs(),
