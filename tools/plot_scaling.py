#!/usr/bin/env python3
"""Chart the W8 scaling runs of tools/mpi_scaling.sh: images/s per (ranks x threads),
scaling efficiency against one rank with one thread, and the all-reduce's share.

    python3 tools/plot_scaling.py runs/scaling/scaling.jsonl runs/scaling/scaling.svg

Python 3 standard library only; keeps the best (fastest) record of each configuration and
prints the table it plots.
"""

import json
import sys


def best_runs(path):
    best = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            if r.get("workload") != "cifar":
                continue
            key = (int(r.get("ranks", 1)), int(r.get("threads", 1)))
            if key not in best or r["images_per_s"] > best[key]["images_per_s"]:
                best[key] = r
    return best


def svg(rows, base):
    width, height, left, bottom, top = 640, 360, 70, 60, 50
    plot_h = height - bottom - top
    top_value = max(r["images_per_s"] for _, r in rows) * 1.2
    bar_w = (width - left - 40) / len(rows) * 0.6
    step = (width - left - 40) / len(rows)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15">W8 CIFAR-10 epoch: throughput by ranks x threads</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 30}" y2="{top + plot_h}" stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="black"/>',
        f'<text x="18" y="{top + plot_h / 2}" transform="rotate(-90 18 {top + plot_h / 2})" text-anchor="middle">images / s</text>',
    ]
    for i in range(5):
        v = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        out.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{v:.0f}</text>')
        out.append(f'<line x1="{left}" y1="{y}" x2="{width - 30}" y2="{y}" stroke="#ddd"/>')
    for i, ((ranks, threads), r) in enumerate(rows):
        h = plot_h * r["images_per_s"] / top_value
        x = left + step * i + (step - bar_w) / 2
        y = top + plot_h - h
        eff = r["images_per_s"] / (ranks * threads * base)
        share = r.get("allreduce_share")
        label = f"eff {eff:.0%}" + (f", all-reduce {share:.0%}" if share is not None else "")
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="#4c72b0"/>')
        out.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 6:.1f}" text-anchor="middle">{r["images_per_s"]:.0f} ({label})</text>')
        out.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 18}" text-anchor="middle">{ranks} rank x {threads} thread</text>')
    out.append(f'<text x="{width / 2}" y="{height - 12}" text-anchor="middle">efficiency = images/s / (ranks x threads x the 1 x 1 rate)</text>')
    out.append("</svg>")
    return "\n".join(out)


def main():
    source, target = sys.argv[1], sys.argv[2]
    best = best_runs(source)
    if (1, 1) not in best:
        sys.exit(f"{source}: no 1 rank x 1 thread record to compare against")
    base = best[(1, 1)]["images_per_s"]
    rows = sorted(best.items())
    print(f"{'ranks':>5} {'threads':>7} {'images/s':>9} {'epoch_s':>8} {'efficiency':>10} {'all-reduce':>10}")
    for (ranks, threads), r in rows:
        share = r.get("allreduce_share")
        eff = r["images_per_s"] / (ranks * threads * base)
        print(f"{ranks:>5} {threads:>7} {r['images_per_s']:>9.1f} {r['value']:>8.2f} {eff:>10.0%} {'-' if share is None else f'{share:.1%}':>10}")
    with open(target, "w") as f:
        f.write(svg(rows, base))
    print(f"chart: {target}")


if __name__ == "__main__":
    main()
