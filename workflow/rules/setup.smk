import sys
from functools import partial
from pathlib import Path

from snakemake.exceptions import WorkflowError

# The code lives in the package `optimizer_animations` (src/), installed with
# the workflow's requirements; nothing here depends on where this file is, so
# the workflow also runs imported from a URL.
from optimizer_animations.config.check import (
    ConfigError,
    check_publish,
    check_yaml_syntax,
)
from optimizer_animations.config.check import SCHEMA_PATH  # for Snakemake's validate()
from optimizer_animations.config.code import code_digests
from optimizer_animations.config.plan import build_plan
from optimizer_animations.config.report_params import report_safe
from optimizer_animations.export.formats import companion_paths
from optimizer_animations.files import remove_partial_outputs
from optimizer_animations.problems.data import samples_damage
from optimizer_animations.problems.spec import data_file
from optimizer_animations.records.meta import (
    history_damage,
    remove_damaged,
    trial_table_damage,
)
from optimizer_animations.site.player import ASSETS as PLAYER_ASSETS

DEFAULT_CONFIG = "config/config.yaml"
# Imported by a host workflow (`module`): the host passes the config and owns
# the default target.
IMPORTED = workflow.modifier.namespace is not None

if not workflow.modifier.skip_configfile:
    try:
        # Before `configfile:`, whose message for a broken file names no place.
        check_yaml_syntax(DEFAULT_CONFIG)
    except ConfigError as error:
        raise WorkflowError(str(error)) from None
