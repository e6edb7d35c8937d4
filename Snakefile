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
include: "workflow/rules/trajectories.smk"
include: "workflow/rules/compare.smk"


# After the wall of job output, say where to look.
onsuccess:
    if Path(on_disk(LAYOUT.index())).is_file():
        print(
            f"\nDone. Gallery: {Path(on_disk(LAYOUT.index())).resolve()}",
            file=sys.stderr,
        )


# Every result of the config. A host workflow that imports this one as a
# module keeps its own default target.
rule all:
    default_target: not IMPORTED
    input:
        all_outputs(),
    localrule: True
