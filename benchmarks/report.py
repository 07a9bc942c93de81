"""Render ``benchmarks/RESULTS.md`` from the figures ``run.py`` measured (results.json)."""

from __future__ import annotations

from run import (
    CALLS,
    TARGET_FLOOR_RATIO,
    TARGET_LINEARITY,
    TARGET_NAIVE_RATIO,
    TARGET_PEAK,
    TARGET_PREVIOUS_S,
    GiB,
)

RUNS = (  # key in results, column title
    ("calls-1m_plain", "1 M calls, 2026-11"),
    ("medium_plain", "medium (4 M), 2026-11"),
    ("large_plain", "large (10 M), 2026-11"),
    ("large_oct", "large, 2026-10 final"),
    ("large_nov", "large, 2026-11 + previous workbook"),
    ("large_sequential", "large, 2026-11, notebooks one at a time"),
)
GROWTH = (("calls-1m_plain", "calls-1m"), ("medium_plain", "medium"), ("large_plain", "large"))


# Measured once on this machine before the changes of the issue "Performance at reseller
# scale" (at commit baefac3, the notebooks then run one after the other), for comparison.
HISTORY = """Measured once on the same machine at commit `baefac3`, before the changes made for
the issue "Performance at reseller scale" (notebooks then one after the other):

| measurement | before | what changed |
| --- | --- | --- |
| contract check, large (10 M calls) | 12–19 s (calls alone 12–18 s) | cheap SQLite shortcut before each exact predicate, rows counted with `FILTER`, each table's rules in two scans side by side |
| large 2026-10 run, wall | 52.4 s | the above; loaded frames built column-wise from plain tuples; IBAN/BIC parsed once; deficit test vectorised; and the runner's notebooks side by side |
| large: SQL aggregation, dossiers / recurrent notebook | 9.1 s / 7.8 s | loading: ~3 s of the 5 s of `load_services` was pandas probing SQLAlchemy rows |
| peak memory, large run | 0.89 GiB | (now higher: both kernels are alive at once) |
| building the databases (`build_demo`) | 1 M: 7.7 s, medium: 28.1 s, large: 63.0 s | (not changed: built once, then cached) |
"""


def s(x: float) -> str:
    return f"{x:.1f} s" if x >= 1 else f"{x:.2f} s"


def gib(n: float) -> str:
    return f"{n / GiB:.2f} GiB"


def size(n: float) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def mark(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def call_bound(t: dict[str, float]) -> float:
    """The stages whose work grows with the calls: the contract check and the recurring SQL."""
    return t.get("source opened and checked against the contract", 0.0) + t.get(
        "recurrent: SQL aggregation", 0.0
    )


def figures(r: dict) -> dict:
    """The headline figures and the verdict on each target."""
    medium, naive = r["medium_plain"], r["naive"]
    ratio = naive["wall"] / medium["wall"]
    peak = max(v["peak_rss"] for k, v in r.items() if k.startswith("large_"))
    floors = {}
    for key, step in (
        ("recurrent", "recurrent: XLSX recurrent"),
        ("dossiers", "dossiers: XLSX dossiers"),
    ):
        f = r["floor"][key]
        floor = f["floor_xml"] + f["floor_deflate"]
        floors[key] = {
            "floor": floor,
            "run_step": r["large_nov"]["timings"][step],
            "in_process": f["reportkit_workbook"],
            "ratio": r["large_nov"]["timings"][step] / floor,
            "ratio_in_process": f["reportkit_workbook"] / floor,
        }
    previous = r["large_nov"]["timings"].get("recurrent: previous workbook", 0.0)
    walls = [(CALLS[db], r[k]["wall"]) for k, db in GROWTH]
    slopes = [
        (walls[i + 1][1] - walls[i][1]) / ((walls[i + 1][0] - walls[i][0]) / 1e6)
        for i in range(len(walls) - 1)
    ]
    slope_ratio = slopes[1] / slopes[0]
    check_large = r["large_plain"]["timings"]["source opened and checked against the contract"]
    return {
        "ratio": ratio,
        "peak": peak,
        "floors": floors,
        "previous": previous,
        "slopes": slopes,
        "slope_ratio": slope_ratio,
        "check_large": check_large,
        "met": {
            "naive": ratio >= TARGET_NAIVE_RATIO,
            "peak": peak < TARGET_PEAK,
            "floor_recurrent": floors["recurrent"]["ratio"] <= TARGET_FLOOR_RATIO,
            "floor_dossiers": floors["dossiers"]["ratio"] <= TARGET_FLOOR_RATIO,
            "previous": previous <= TARGET_PREVIOUS_S,
            "linear": 1 / TARGET_LINEARITY <= slope_ratio <= TARGET_LINEARITY,
        },
    }


def render(r: dict) -> str:
    m, f = r["machine"], figures(r)
    out: list[str] = []
    add = out.append
    add("# Benchmark results\n")
    add(
        "Written by `make bench` (`benchmarks/run.py`); the raw figures are in "
        "`benchmarks/data/results.json`. Wall-clock seconds on a shared machine: a few percent of "
        "noise between runs. Each measurement runs in its own child process; its peak memory is "
        "the largest sum of the RSS of that process and all its descendants (the Jupyter "
        "kernels), sampled every 0.1 s (shared libraries count once per process, so the sum "
        "over-states the real footprint a little).\n"
    )
    add("## Machine\n")
    pk = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    add(
        table(
            ["what", "value"],
            [
                ["date", m["date"]],
                ["nproc", str(m["nproc"])],
                ["CPU", m["cpu"]],
                ["memory", f"{m['memory_gib']:.1f} GiB"],
                ["OS", m["os"]],
                ["Python", m["python"]],
                ["SQLite", m["sqlite"]],
                ["packages", pk],
                ["whole `make bench`", f"{r['total_wall'] / 60:.1f} min"],
            ],
        )
    )
    add("")

    add("## Targets\n")
    met = f["met"]
    fr, fd = f["floors"]["recurrent"], f["floors"]["dossiers"]
    add(
        table(
            ["target", "measured", "verdict"],
            [
                [
                    f"medium: `reportkit run` ≥ {TARGET_NAIVE_RATIO:.0f}× faster than the naive script",
                    f"{s(r['naive']['wall'])} / {s(r['medium_plain']['wall'])} = "
                    f"**{f['ratio']:.1f}×**",
                    mark(met["naive"]),
                ],
                [
                    "large: peak memory of the run's process tree < 2 GiB",
                    f"**{gib(f['peak'])}** (largest of the large runs)",
                    mark(met["peak"]),
                ],
                [
                    f"large: XLSX recurrent within {TARGET_FLOOR_RATIO:.0f}× of its floor",
                    f"{s(fr['run_step'])} / {s(fr['floor'])} = **{fr['ratio']:.1f}×** "
                    f"(in-process write: {fr['ratio_in_process']:.1f}×)",
                    mark(met["floor_recurrent"]),
                ],
                [
                    f"large: XLSX dossiers within {TARGET_FLOOR_RATIO:.0f}× of its floor",
                    f"{s(fd['run_step'])} / {s(fd['floor'])} = **{fd['ratio']:.1f}×** "
                    f"(in-process write: {fd['ratio_in_process']:.1f}×)",
                    mark(met["floor_dossiers"]),
                ],
                [
                    f"large: last month's workbook read back in a few seconds (≤ {TARGET_PREVIOUS_S:.0f} s)",
                    f"**{s(f['previous'])}** for {r['floor']['recurrent']['rows']:,} rows",
                    mark(met["previous"]),
                ],
                [
                    "time linear in calls: cost of a million more calls about the same from "
                    f"1 M to 4 M as from 4 M to 10 M (ratio within 1/{TARGET_LINEARITY} .. "
                    f"{TARGET_LINEARITY})",
                    f"{f['slopes'][0]:.2f} s/M then {f['slopes'][1]:.2f} s/M: "
                    f"**{f['slope_ratio']:.2f}**",
                    mark(met["linear"]),
                ],
            ],
        )
    )
    add("")

    add("## `reportkit run`, stage by stage\n")
    add(
        "Stages as `RunResult.timings` names them: the runner's own steps, then each "
        "notebook's tagged cells (`dossiers: …`, `recurrent: …`; `cells (all)` includes the "
        "untagged commentary cells) and its overhead (kernel start, papermill), then the HTML "
        "conversions. The runner runs the two notebooks side by side, each in its own kernel "
        "(the last column: one after the other), so their stages overlap in time and share the "
        "two cores: they do not add up to the wall time.\n"
    )
    present = [(k, title) for k, title in RUNS if k in r]
    keys: list[str] = []
    for k, _ in present:
        for stage in r[k]["timings"]:
            if stage not in keys:
                keys.append(stage)
    rows = [
        [stage]
        + [s(r[k]["timings"][stage]) if stage in r[k]["timings"] else "" for k, _ in present]
        for stage in keys
    ]
    rows.append(["**wall, whole run**"] + [f"**{s(r[k]['wall'])}**" for k, _ in present])
    rows.append(["peak memory (process tree)"] + [gib(r[k]["peak_rss"]) for k, _ in present])
    rows.append(["largest single process"] + [gib(r[k]["peak_single_rss"]) for k, _ in present])
    add(table(["stage"] + [title for _, title in present], rows))
    add("")
    sizes = r["large_nov"]["outputs"]
    add(
        "Output sizes of the large 2026-11 run: "
        + ", ".join(f"`{n}` {size(v)}" for n, v in sizes.items() if n.endswith((".xlsx", ".html")))
        + ".\n"
    )

    add("## Naive baseline (medium database, 2026-11)\n")
    n = r["naive"]
    add(
        "What an analyst writes by hand: `pd.read_sql` of every table (all 4 M calls) on a "
        "plain `sqlite3` connection, the month filtered and the calls summed per service with "
        "`groupby`, the main sheet of each export built with float arithmetic (same rows and "
        "columns as the contract), written with `DataFrame.to_excel` (openpyxl, the default "
        "engine). No controls, no Synthèse, no reports.\n"
    )
    rows = [[k, s(v)] for k, v in n["stages"].items()]
    rows.append(["**wall**", f"**{s(n['wall'])}**"])
    rows.append(["peak memory", gib(n["peak_rss"])])
    add(table(["naive stage", "time"], rows))
    add("")
    rk_rows = n.get("reportkit_rows", {})
    tries = ", ".join(s(w) for w in n.get("walls", [n["wall"]]))
    rk_tries = ", ".join(s(w) for w in r["medium_plain"].get("walls", [r["medium_plain"]["wall"]]))
    add(f"Each side ran twice; the faster run is kept (naive: {tries}; reportkit: {rk_tries}).\n")
    add(
        f"Side by side: naive **{s(n['wall'])}**, `reportkit run` **{s(r['medium_plain']['wall'])}** "
        f"(both exports with their controls and Synthèse, both HTML reports) → **{f['ratio']:.1f}×**. "
        f"Rows: naive {n['rows']['dossiers']:,} dossiers / {n['rows']['recurrent']:,} services; "
        f"reportkit {rk_rows.get('dossiers', 0):,} / {rk_rows.get('recurrent', 0):,}.\n"
    )
    if "medium_sequential" in r:
        seq = r["medium_sequential"]["wall"]
        add(
            "With the two notebooks one after the other (`reportkit run --sequential`), "
            f"`reportkit run` takes {s(seq)}: **{n['wall'] / seq:.1f}×** the naive script.\n"
        )

    add("## XLSX against its floor (large database, 2026-11)\n")
    add(
        "The floor: the main sheet's XML built from the same frame with vectorised string "
        "operations (numpy/pandas object arrays, one pass per column, text escaped), then "
        "deflated alone into a zip at reportkit's `ZIP_LEVEL`. It has no styles part, no "
        "widths, filter, drop-downs, Synthèse nor Contrôles sheets: a lower bound, not a "
        "workbook. reportkit's figures: the notebook's XLSX step in the run (the whole "
        "workbook, three sheets), the same write in-process (best of two), and the main sheet "
        "alone in-process.\n"
    )
    rows = []
    for key in ("recurrent", "dossiers"):
        x = r["floor"][key]
        fl = f["floors"][key]
        rows.append(
            [
                key,
                f"{x['rows']:,} × {x['columns']}",
                s(x["floor_xml"]),
                s(x["floor_deflate"]),
                f"**{s(fl['floor'])}**",
                f"**{s(fl['run_step'])}**",
                s(x["reportkit_workbook"]),
                s(x["reportkit_main_sheet"]),
                f"**{fl['ratio']:.1f}×**",
                f"{x['xml_bytes'] / 1e6:.0f} MB → {x['zip_bytes'] / 1e6:.1f} MB",
            ]
        )
    add(
        table(
            [
                "sheet",
                "rows × columns",
                "floor: XML",
                "floor: deflate",
                "floor",
                "reportkit (run step)",
                "reportkit (in-process)",
                "main sheet only",
                "ratio",
                "XML → zip",
            ],
            rows,
        )
    )
    add("")

    add("## Growth in calls (2026-11, no previous workbook)\n")
    add(
        "The three databases grow together (dossiers, services and calls in the same "
        "proportion), so every stage grows; what should stay constant is the cost of one more "
        "million calls. Call-bound stages: the contract check and the recurring notebook's SQL "
        "aggregation.\n"
    )
    rows = []
    for k, db in GROWTH:
        t = r[k]["timings"]
        mc = CALLS[db] / 1e6
        rows.append(
            [
                f"{mc:.0f} M",
                s(r[k]["wall"]),
                f"{r[k]['wall'] / mc:.2f} s",
                s(call_bound(t)),
                f"{call_bound(t) / mc:.2f} s",
                gib(r[k]["peak_rss"]),
            ]
        )
    add(
        table(
            ["calls", "wall", "wall per M", "call-bound stages", "call-bound per M", "peak memory"],
            rows,
        )
    )
    add("")
    add(
        f"Marginal cost: {f['slopes'][0]:.2f} s per million calls from 1 M to 4 M, "
        f"{f['slopes'][1]:.2f} s from 4 M to 10 M (ratio {f['slope_ratio']:.2f}).\n"
    )

    add("## The contract check and the source openings (large database)\n")
    src = r["source"]
    rows = [[t, s(v)] for t, v in src["check_per_table"].items()]
    rows.append(["all tables (one `check_source`)", f"**{s(src['check_all'])}**"])
    rows.append(["the dossier notebook's tables", s(src["check_dossier_tables"])])
    rows.append(["the recurring notebook's tables", s(src["check_recurring_tables"])])
    add(table(["contract check of", "time"], rows))
    add("")
    opens = src["open_resolve_each"]
    twice = src.get("loaded_twice", {})
    add(
        f"Opening the source and resolving the run: {min(opens) * 1000:.0f}–"
        f"{max(opens) * 1000:.0f} ms each time. A run opens it 7 times (the runner's check and "
        "leak-gate preparation, then in each kernel `prepare` and each loading step), plus one "
        f"helper connection for the parallel check: under 0.1 s in all, it does not matter. "
        "What is done twice is loading: both notebooks load the services and the dossiers "
        f"({s(twice.get('load_services', 0))} + {s(twice.get('load_dossiers', 0))} at this "
        "scale), each in its own kernel.\n"
    )

    add("## Before the performance work\n")
    add(HISTORY)
    add("## Databases\n")
    rows = []
    for name, b in r["builds"].items():
        how = "cached" if b.get("cached") else f"built in {s(b['seconds'])}"
        rows.append([name, f"{b['bytes'] / 1e9:.2f} GB", how])
    add(table(["database", "size", "this run"], rows))
    add("")
    return "\n".join(out)
