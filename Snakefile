# optimizer-animations: train small Keras models with several optimizers and
# render their training as documentation figures. Run `snakemake --cores 4`.
# The workflow is workflow/Snakefile, where the Snakemake workflow catalog and
# snakedeploy look for it; this file lets `snakemake` run in the root.


include: "workflow/Snakefile"


# Snakemake forgets a `default_target:` set in an included file
# (snakemake/snakemake#2773), so it is restated here; a host workflow that
# imports this file as a module keeps its own.
if not IMPORTED:
    workflow.default_target = "all"
