"""The ``scalemodel`` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from scalemodel import __version__ as _version
from scalemodel._arrays import api_dir as _api_dir

__all__ = ["main"]


def _whatif(args: argparse.Namespace) -> int:
    """Scale up or out? Today's box against a 4x bigger box and against four boxes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from scalemodel import queueing as q
    from scalemodel.plot import response_vs_load

    if not (0 < args.utilization < 1):
        print("error: --utilization must be in (0, 1)", file=sys.stderr)
        return 2
    if args.vcpus < 1 or args.service_time <= 0 or args.slo <= 0:
        print("error: --vcpus must be >= 1, --service-time and --slo > 0", file=sys.stderr)
        return 2
    problem = _out_problem(args.out)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    mu = 1.0 / args.service_time  # one vCPU serves one request at a time
    load = args.utilization * args.vcpus * mu
    v = args.vcpus
    # label -> (machines, vCPUs per machine); each machine is an M/M/c with c = vCPUs and
    # the load split evenly (a balancer spreading requests at random).
    configs = {
        f"today: 1 x {v} vCPU": (1, v),
        f"scale up: 1 x {4 * v} vCPU": (1, 4 * v),
        f"scale out: 4 x {v} vCPU": (4, v),
        f"scale out, one down: 3 x {v} vCPU": (3, v),
    }
    rows = []
    for label, (machines, vcpus) in configs.items():
        m = q.MMc(load / machines, mu, vcpus)
        rows.append(
            {
                "configuration": label,
                "utilization": m.utilization,
                "P(wait)": m.prob_wait,
                "mean response (s)": m.mean_response,
                "p99 response (s)": m.response_quantile(0.99),
                f"max req/s at p99 <= {args.slo:g} s": machines
                * q.max_arrival_rate(mu, vcpus, response_time=args.slo),
            }
        )
    table = pd.DataFrame(rows).set_index("configuration")
    print(
        f"Load today: {load:g} req/s at {args.service_time:g} s of CPU per request, {args.utilization:.0%} busy on {v} vCPU\n"
    )
    print(table.to_string(float_format="{:.4g}".format))

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rates = np.linspace(load * 0.05, load * 4.2, 400)
    ax = response_vs_load(
        {k: (m_, c_, mu) for k, (m_, c_) in configs.items() if "down" not in k}, rates, slo_s=args.slo
    )
    ax.axvline(load, color="grey", linewidth=0.8)
    ax.set_ylim(top=20 * args.slo)
    ax.set_title("Scale up or out: response time against load (M/M/c per machine)")
    path = out / "scale_up_vs_out.png"
    ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    table.to_csv(out / "scale_up_vs_out.csv")
    print(f"\nwrote {path} and {out / 'scale_up_vs_out.csv'}")
    return 0


def _out_problem(out: str) -> str | None:
    """Why the report folder ``out`` cannot be written (None: it can), checked before any
    work: an existing file in its place, a file among its parents, no write permission."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        return f"--out {out}: exists and is not a folder"
    parent = path
    while not parent.exists():
        if parent.parent == parent:
            return None
        parent = parent.parent
    if not parent.is_dir():
        return f"--out {out}: {parent} is a file, not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"--out {out}: {parent} is not writable"
    return None


def _sensitivity_args(value: str, change: float | None) -> tuple[list[str], float]:
    """--sensitivity takes a percentage (traffic only, as before) or a list of inputs."""
    try:
        percent = float(value)
    except ValueError:
        inputs = [v.strip() for v in value.split(",") if v.strip()]
        return inputs, 20.0 if change is None else change
    return (["traffic"] if percent > 0 else []), percent if change is None else change


def _plan_json(plan: Any, table: Any) -> str:
    import json
    import math

    def clean(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            return None if math.isnan(x) else ("inf" if x > 0 else "-inf")
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        if hasattr(x, "item"):
            return clean(x.item())
        return x

    tiers = []
    for t in plan.tiers:
        row = {k: v for k, v in vars(t).items() if k != "service"}
        row["nodes"] = t.nodes
        row["service"] = None if t.service is None else {"mean_s": t.service.mean_s, "scv": t.service.scv}
        tiers.append(row)
    out = {
        "name": plan.name,
        "feasible": plan.feasible,
        "problems": list(plan.problems),
        "peak_qps": float(plan.traffic.peak_qps),
        "usd_per_month": plan.usd_per_month,
        "horizon_usd_per_month": plan.horizon_usd_per_month,
        "breaks_first": {"tier": plan.breaks_first.name, "headroom": plan.breaks_first.headroom},
        "availability": plan.availability,
        "tiers": tiers,
        "costs": plan.costs,
        "years": [
            {"year": y.year, "peak_qps": y.peak_qps, "nodes": y.nodes, "usd_per_month": y.usd_per_month}
            for y in plan.years
        ],
    }
    if table is not None:
        out["sensitivity"] = table.reset_index().to_dict(orient="records")
    return json.dumps(clean(out), indent=2)


def _plan(args: argparse.Namespace) -> int:
    """Validate a scenario, size every tier, print the summary and write the report."""
    from scalemodel import cost
    from scalemodel.plan import (
        _cost_table,
        _headline,
        _performance_table,
        _sizing_table,
        _timeline_table,
        plan_file,
        sensitivity,
    )
    from scalemodel.scenario import ScenarioError

    overrides = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            print(f"error: --set {item!r}: write section.key=value, e.g. app.cpu_time=30ms", file=sys.stderr)
            return 2
        overrides[key.strip()] = value.strip()
    problem = _out_problem(args.out)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    inputs, change = _sensitivity_args(args.sensitivity, args.change)
    if not (0 <= change < 100):
        print("error: the sensitivity change must be a percentage in [0, 100)", file=sys.stderr)
        return 2
    try:
        catalogue = cost.Catalogue.load(*args.prices)
    except ValueError as e:  # a bad price file
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        plan = plan_file(args.scenario, catalogue, overrides)
    except ScenarioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ValueError as e:  # a scenario the engines reject (sizes beyond their limits)
        print(f"error: {args.scenario}: {e}", file=sys.stderr)
        return 2
    table = None
    if inputs and change > 0 and plan.feasible:
        x = change / 100.0
        try:
            table = sensitivity(plan.scenario, (-x, 0.0, x), catalogue, inputs=inputs)
        except ValueError as e:
            print(f"error: sensitivity: {e}", file=sys.stderr)
            return 2
    check = None
    if args.simulate and plan.feasible:
        from scalemodel.plan import simulate

        check = simulate(plan, seed=args.seed)
    try:
        paths = plan.write_report(args.out, table, check)
    except OSError as e:  # what _out_problem cannot foresee (a read-only mount, a full disk)
        print(f"error: --out {args.out}: cannot write the report: {e.strerror or e}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(_plan_json(plan, table))
    else:
        t = plan.traffic
        print(f"Capacity plan: {plan.name}" + ("" if plan.feasible else " (INFEASIBLE)"))
        print(
            f"traffic: {float(t.average_qps):,.0f} req/s average, {float(t.peak_qps):,.0f} at peak "
            f"({float(t.peak_read_qps):,.0f} reads, {float(t.peak_write_qps):,.0f} writes)"
        )
        print()
        print(_headline(plan))
        for title, frame in (
            ("tiers in year 1", _sizing_table(plan)),
            ("latency and headroom at peak", _performance_table(plan).drop(columns="service time")),
            ("year by year", _timeline_table(plan)),
            ("cost by item", _cost_table(plan)),
        ):
            print(f"\n{title}:")
            print(frame.to_string())
        if plan.feasible:
            print(f"\ntotal: ${plan.usd_per_month:,.0f} per month in year 1")
        if table is not None:
            from scalemodel.plan import _sensitivity_display

            print(f"\nsensitivity (+/-{change:g}%, one input at a time):")
            print(_sensitivity_display(table).to_string())
        if check is not None:
            from scalemodel.plan import _simulation_display, _simulation_words

            print("\nsimulated end to end (--simulate):")
            print(_simulation_display(check).to_string())
            print(_simulation_words(check))
        print(f"\nwrote {paths[0]} and {paths[1]}")
    for problem in plan.problems:
        print(f"INFEASIBLE: {problem}", file=sys.stderr)
    if check is not None and check.meets_end_to_end is False:
        print("MISSED: the simulated whole-request p99 is above scenario.slo_p99", file=sys.stderr)
        return 1
    return 0 if plan.feasible else 1


def _examples(args: argparse.Namespace) -> int:
    """List the bundled scenarios, or copy them into a folder to edit."""
    import shutil

    from scalemodel.plan import examples

    found = examples()
    names = args.names or list(found)
    unknown = [n for n in names if n not in found]
    if unknown:
        print(f"error: no bundled example {unknown[0]!r}; bundled: {', '.join(found)}", file=sys.stderr)
        return 2
    if args.to is None:
        for name in names:
            first = found[name].read_text().splitlines()[0].lstrip("# ").strip()
            print(f"{name:<10} {found[name]}\n           {first}")
        print(
            "\ncopy them with: scalemodel examples [NAME ...] --to DIR; plan one with: scalemodel plan FILE"
        )
        return 0
    to = Path(args.to)
    targets = [to / found[n].name for n in names]
    existing = [t for t in targets if t.exists()]
    if existing:
        print(f"error: {existing[0]} exists; not overwriting", file=sys.stderr)
        return 2
    to.mkdir(parents=True, exist_ok=True)
    for name, target in zip(names, targets):
        shutil.copyfile(found[name], target)
        print(f"wrote {target}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scalemodel", description="Put numbers behind system-design decisions."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version}")
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("whatif", help="scale up versus scale out, with queueing models")
    w.add_argument("--vcpus", type=int, default=4, help="vCPUs of today's server (default 4)")
    w.add_argument("--utilization", type=float, default=0.9, help="today's CPU utilization (default 0.9)")
    w.add_argument("--service-time", type=float, default=0.1, help="CPU seconds per request (default 0.1)")
    w.add_argument("--slo", type=float, default=0.5, help="p99 response-time target, seconds (default 0.5)")
    w.add_argument("--out", default="results", help="folder for the plot and table (default results)")
    p = sub.add_parser("plan", help="capacity plan and monthly cost for a scenario file")
    p.add_argument("scenario", help="scenario TOML file (scalemodel examples lists the bundled ones)")
    p.add_argument("--out", default="plan", help="folder for report.md, report.html and plots (default plan)")
    p.add_argument(
        "--prices",
        action="append",
        default=[],
        help="TOML price file overriding the bundled catalogue (repeatable)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help='override a scenario value, e.g. --set app.cpu_time="30 ms" (repeatable)',
    )
    p.add_argument(
        "--simulate",
        action="store_true",
        help="also simulate year 1's tiers at peak end to end, beside the plan's figures, and check "
        "scenario.slo_p99 (exit 1 if missed)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of --simulate (default 0)")
    p.add_argument(
        "--sensitivity",
        default="traffic",
        metavar="INPUTS|PERCENT",
        help="inputs to vary one at a time, e.g. traffic,cpu_time,hit_ratio (default traffic); "
        "a number is the change for traffic alone, 0 to skip",
    )
    p.add_argument(
        "--change",
        type=float,
        default=None,
        metavar="PERCENT",
        help="how much each sensitivity input moves down and up (default 20)",
    )
    p.add_argument(
        "--format", choices=("text", "json"), default="text", help="what to print: tables or JSON for scripts"
    )
    e = sub.add_parser("examples", help="list the bundled scenario files, or copy them to edit")
    e.add_argument("names", nargs="*", metavar="NAME", help="examples to list or copy (default: all)")
    e.add_argument("--to", default=None, metavar="DIR", help="copy them into DIR (existing files are kept)")
    args = parser.parse_args(argv)
    if args.command == "examples":
        return _examples(args)
    return _plan(args) if args.command == "plan" else _whatif(args)


__dir__ = _api_dir(globals())

if __name__ == "__main__":
    sys.exit(main())
