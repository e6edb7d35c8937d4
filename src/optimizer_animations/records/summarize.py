"""An experiment's run table, summary.csv (one row per run) and the report
captions of its figures: the one job that reads all of its histories."""

from typing import Any

from optimizer_animations.files import log_to
from optimizer_animations.records.history import load_history
from optimizer_animations.records.run_table import RunTable, write_summary
from optimizer_animations.site.pages import RunSummary, write_captions


def main(smk: Any) -> None:
    log = log_to(smk.log[0])
    histories = [load_history(path) for path in smk.input.histories]
    table = RunTable.from_histories(histories)
    table.save(smk.output.run_table)
    write_summary(table, smk.output.summary)
    by_label = {history.label: history for history in histories}
    animated = [RunSummary.of(by_label[label]) for label in smk.params.animated]
    write_captions(
        smk.params.experiment, animated, len(histories), smk.output.caption, smk.output.run_captions
    )
    log.info("summarized %d runs in %s", len(histories), smk.output.summary)
