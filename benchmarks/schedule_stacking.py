"""Training time of a tuned schedule's trials, stacked against alone.

    python benchmarks/schedule_stacking.py [--repeats 3] [--json out.json]

The trials `tune:` trains for one scheduled entry, on the terms of
config/tuned.yaml's landscapes (32 rates from 1e-4 to 10, 400 steps): Adam
with warmup plus cosine decay on Rosenbrock, the 32 rates as its peaks, one
core, its inside recorded. Stacked (the default: one graph, each row its own
schedule) against `stack=False` (each trial its own optimizer and graph, as
every scheduled run trained before). Both give the same numbers bit for bit
(tests/test_schedules.py); this measures only the time. Reports the medians
and their ratio, measured in one process.
"""

import argparse
import json
import statistics
import time

from optimizer_animations.config.plan import build_plan
from optimizer_animations.testing import default_config

COSINE = {
    "schedule": "CosineDecay",
    "initial_learning_rate": 0.01,
    "decay_steps": 400,
    "warmup_steps": 20,
    "warmup_target": 0.1,
}


def trials():
    config = default_config()
    config["experiments"] = {
        "rosenbrock": {
            "function": "rosenbrock",
            "epochs": 400,
            "optimizers": [{"name": "Adam", "label": "adam-cosine", "learning_rate": COSINE}],
            "tune": {"learning_rate": {"min": 1e-4, "max": 10.0, "points": 32}},
        }
    }
    plan = build_plan(config)["rosenbrock"]
    from optimizer_animations.tuning.tune import tuning_trials

    return plan, tuning_trials(plan.runs, plan.tuning.to_params())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
    from optimizer_animations.problems.problem import build_problem
    from optimizer_animations.training import train

    train.configure_threads(1)
    plan, runs = trials()
    problem = build_problem(plan.problem)
    seconds: dict[str, list[float]] = {"stacked": [], "alone": []}
    for _ in range(args.repeats):
        for name, stack in (("stacked", True), ("alone", False)):
            start = time.perf_counter()
            train.train_experiment("bench", runs, 400, problem, stack=stack, record_state=True)
            seconds[name].append(time.perf_counter() - start)
    result = {
        "trials": len(runs),
        "steps": 400,
        "median_seconds": {k: statistics.median(v) for k, v in seconds.items()},
        "seconds": seconds,
    }
    result["alone_over_stacked"] = (
        result["median_seconds"]["alone"] / result["median_seconds"]["stacked"]
    )
    print(json.dumps(result, indent=2))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(result, file, indent=2)


if __name__ == "__main__":
    main()
