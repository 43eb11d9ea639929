"""The ``scalemodel`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

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


def _plan(args: argparse.Namespace) -> int:
    """Validate a scenario, size every tier, print the summary and write the report."""
    from scalemodel import cost
    from scalemodel.plan import plan_file
    from scalemodel.scenario import ScenarioError

    try:
        catalogue = cost.Catalogue.load(*args.prices)
    except ValueError as e:  # a bad price file
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        plan = plan_file(args.scenario, catalogue)
    except ScenarioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ValueError as e:  # a scenario the engines reject (sizes beyond their limits)
        print(f"error: {args.scenario}: {e}", file=sys.stderr)
        return 2
    scenario = plan.scenario
    t = plan.traffic
    print(f"Capacity plan: {plan.name}")
    print(
        f"traffic: {float(t.average_qps):,.0f} req/s average, {float(t.peak_qps):,.0f} at peak "
        f"({float(t.peak_read_qps):,.0f} reads, {float(t.peak_write_qps):,.0f} writes)"
    )
    cols = [
        "instance",
        "count",
        "utilization",
        "p99_s",
        "slo_p99_s",
        "imbalance",
        "headroom",
        "availability",
        "spares",
        "usd_per_month",
        "limited_by",
    ]
    print()
    print(plan.summary()[cols].to_string(float_format="{:,.4g}".format))
    print()
    print(plan.cost_frame().to_string(float_format="{:,.4g}".format))
    print(f"\ntotal: ${plan.usd_per_month:,.0f} per month")
    first = plan.breaks_first
    print(f"breaks first as traffic grows: {first.name} at {first.headroom:.2f}x today's peak")
    target = plan.scenario["reliability"]["target"]
    print(
        f"availability of the planned sizes at peak: {plan.availability:.6f}; "
        f"spares for {target:g} per tier: "
        + ", ".join(f"{t.name} " + (f"+{t.spares}" if t.spares >= 0 else "out of reach") for t in plan.tiers)
    )
    if args.sensitivity:
        from scalemodel.plan import sensitivity

        x = args.sensitivity / 100.0
        try:
            table = sensitivity(scenario, (-x, 0.0, x), catalogue)
        except ValueError as e:
            print(f"error: sensitivity at +/-{args.sensitivity:g}%: {e}", file=sys.stderr)
            return 2
        print(f"\nsensitivity to traffic (+/-{args.sensitivity:g}%):")
        print(table.to_string(float_format="{:,.4g}".format))
    paths = plan.write_report(args.out)
    print(f"wrote {paths[0]} and {paths[1]}")
    for problem in plan.problems:
        print(f"SLO cannot be met: {problem}", file=sys.stderr)
    return 0 if plan.feasible else 1


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
    p.add_argument("scenario", help="scenario TOML file (see examples/)")
    p.add_argument("--out", default="plan", help="folder for report.md, report.html and plots (default plan)")
    p.add_argument(
        "--prices",
        action="append",
        default=[],
        help="TOML price file overriding the bundled catalogue (repeatable)",
    )
    p.add_argument(
        "--sensitivity",
        type=float,
        default=20.0,
        metavar="PERCENT",
        help="also plan at -/+ this much traffic (default 20; 0 to skip)",
    )
    args = parser.parse_args(argv)
    if args.command == "plan" and not (0 <= args.sensitivity < 100):
        parser.error("--sensitivity must be a percentage in [0, 100)")
    return _plan(args) if args.command == "plan" else _whatif(args)


__dir__ = _api_dir(globals())

if __name__ == "__main__":
    sys.exit(main())
