import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

# scripts/ holds the plain-Python modules shared by the rules and the tests.
SCRIPTS = Path(workflow.basedir) / "scripts"
sys.path.insert(0, str(SCRIPTS))

from workflow_config import (
    ConfigError,
    animated_runs,
    check_config,
    check_publish,
    check_yaml_syntax,
    frame_epochs,
    training_chunks,
)

DEFAULT_CONFIG = "config/config.yaml"

try:
    # Before `configfile:`, whose message for a broken file names no place.
    check_yaml_syntax(DEFAULT_CONFIG)
except ConfigError as error:
    raise WorkflowError(str(error)) from None
