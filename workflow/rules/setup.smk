import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

# This repository's folder, from this file's place: inside a host workflow that
# imports this one as a `module`, `workflow.basedir` is the host's folder.
WORKFLOW_DIR = Path(workflow.current_basedir.get_path_or_uri(secret_free=True)).parents[
    1
]
# scripts/ holds the plain-Python modules shared by the rules and the tests.
SCRIPTS = WORKFLOW_DIR / "scripts"
sys.path.insert(0, str(SCRIPTS))

from common import remove_damaged_histories, remove_partial_outputs
from export import companion_paths
from layout import Layout
from problems import build_problem, problem_spec
from tuning import time_target
from workflow_config import (
    ConfigError,
    animated_runs,
    check_config,
    check_publish,
    check_tools,
    check_yaml_syntax,
    experiment_tuning,
    frame_epochs,
    is_landscape,
    sensitivity_argument,
    training_chunks,
    tuning_chunks,
)

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
