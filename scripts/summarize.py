"""Write an experiment's summary.csv: one row per run."""

from typing import Any

from aggregate import write_summary
from common import load_history, log_to


def main(smk: Any) -> None:
    log = log_to(smk.log[0])
    histories = [load_history(path) for path in smk.input.histories]
    write_summary(histories, smk.output.summary)
    log.info("summarized %d runs in %s", len(histories), smk.output.summary)


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
