"""An experiment's tables and captions: summary.csv (one row per run) and the
report captions of its figures, all from the histories alone."""

from pathlib import Path
from typing import Any

from aggregate import write_summary
from common import load_history, log_to
from pages import RunSummary, write_captions


def main(smk: Any) -> None:
    log = log_to(smk.log[0])
    histories = [load_history(path) for path in smk.input.histories]
    write_summary(histories, smk.output.summary)
    by_label = {history.label: history for history in histories}
    animated = [RunSummary.of(by_label[label]) for label in smk.params.animated]
    write_captions(Path(smk.output.summary).parent, smk.params.experiment, animated, len(histories))
    log.info("summarized %d runs in %s", len(histories), smk.output.summary)


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
