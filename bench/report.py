"""Turning per-process results into the tables ``python -m bench`` prints (Markdown).

``summarize(raw)`` -> per (workload, impl): median metric over repeats + status.
``render(summary, machine, device)`` -> the text: main table with ratios and targets, the graph
construction table (time per layer), and the peak-memory table.
"""
from __future__ import annotations

import statistics

from .workloads import BY_NAME, KERAS, KFUNC, TORCH

IMPL_COLS = (KFUNC, TORCH, KERAS)


def summarize(raw: dict) -> dict:
    """``raw[(workload, impl)]`` = list of worker dicts -> one dict per key with medians."""
    out = {}
    for (wname, impl), runs in raw.items():
        w = BY_NAME[wname]
        ok = [r for r in runs if r.get("status") == "ok"]
        if ok:
            vals = [r[w.metric] for r in ok]
            entry = {"status": "ok", "value": statistics.median(vals), "values": vals,
                     "rss_peak_mb": statistics.median(r["rss_peak_mb"] for r in ok),
                     "rss_start_mb": statistics.median(r["rss_start_mb"] for r in ok)}
            for extra in ("graph_forward_us", "numpy_roundtrip_us", "build_s", "summary_s", "cuda_peak_mb",
                          "step_ms_median", "fit_wall_s"):
                if all(extra in r for r in ok):
                    entry[extra] = statistics.median(r[extra] for r in ok)
            entry["timing"] = ok[0].get("timing", "")
        else:
            last = runs[-1] if runs else {"status": "error", "reason": "not run"}
            entry = {"status": last.get("status", "error"), "reason": last.get("reason", "")}
        out[(wname, impl)] = entry
    return out


def _fmt(v: float) -> str:
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"


def _cell(entry) -> str:
    if entry is None:
        return "-"
    if entry["status"] == "ok":
        return _fmt(entry["value"])
    return f"{entry['status']}: {entry.get('reason', '')[:60]}"


def _ratio(summary, w, a, b):
    """Speed ratio a vs b for throughputs, time ratio a/b for time metrics; None if missing."""
    ea, eb = summary.get((w.name, a)), summary.get((w.name, b))
    if not ea or not eb or ea["status"] != "ok" or eb["status"] != "ok" or not eb["value"]:
        return None
    return ea["value"] / eb["value"]


def targets(summary: dict, device: str) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) rows: the project's performance targets."""
    rows = []

    def verdict(ok):
        return "N/A" if ok is None else ("met" if ok else "MISSED")

    for w in BY_NAME.values():
        if w.group == "fit":
            r = _ratio(summary, w, KFUNC, TORCH)
            rows.append((f"{w.name}: kfunc >= 0.95x torch", "-" if r is None else f"{r:.2f}x",
                         verdict(None if r is None else r >= 0.95)))
            if w.name in ("mlp_fit", "lstm_qa_fit"):
                r = _ratio(summary, w, KFUNC, KERAS)
                rows.append((f"{w.name}: kfunc >= 2x Keras 3", "-" if r is None else f"{r:.2f}x",
                             verdict(None if r is None else r >= 2.0)))
        elif w.group == "latency":
            r = _ratio(summary, w, KFUNC, TORCH)
            rows.append((f"{w.name}: kfunc time <= 1.2x torch forward", "-" if r is None else f"{r:.2f}x",
                         verdict(None if r is None else r <= 1.2)))
    big, mid = summary.get(("build_chain_10000", KFUNC)), summary.get(("build_chain_1000", KFUNC))
    if big and big["status"] == "ok":
        rows.append(("build_chain_10000: build+summary < 1 s", f"{big['value']:.3f} s", verdict(big["value"] < 1.0)))
        if mid and mid["status"] == "ok":
            growth = (big["value"] / 10000) / (mid["value"] / 1000)
            rows.append(("chain build+summary linear (per-layer time 10k/1k <= 1.5)", f"{growth:.2f}",
                         verdict(growth <= 1.5)))
    else:
        rows.append(("build_chain_10000: build+summary < 1 s", _cell(big), "N/A"))
    jit_rows = [w for w in BY_NAME.values() if w.group == "fit" and (w.name, "kfunc_jit") in summary]
    if device.startswith("cuda") and jit_rows:
        for w in jit_rows:
            r = _ratio(summary, w, "kfunc_jit", TORCH)
            rows.append((f"{w.name}: CUDA jit_compile faster than eager torch", "-" if r is None else f"{r:.2f}x",
                         verdict(None if r is None else r > 1.0)))
    else:
        rows.append(("CUDA jit_compile faster than eager hand-written", "-", "N/A (no GPU run)"))
    return rows


def render(summary: dict, machine: str, device: str) -> str:
    impls = list(IMPL_COLS) + (["kfunc_jit"] if any(k[1] == "kfunc_jit" for k in summary) else [])
    lines = [machine, "", "| workload | unit | " + " | ".join(impls) + " | kfunc/torch | kfunc/keras |",
             "|---" * (4 + len(impls)) + "|"]
    for w in BY_NAME.values():
        if w.group == "build" or not any((w.name, i) in summary for i in impls):
            continue
        cells = [_cell(summary.get((w.name, i))) for i in impls]
        rts = []
        for other in (TORCH, KERAS):
            r = _ratio(summary, w, KFUNC, other)
            rts.append("-" if r is None else (f"{r:.2f}x" if w.higher_better else f"time {r:.2f}x"))
        lines.append(f"| {w.name} | {w.unit} | " + " | ".join(cells) + " | " + " | ".join(rts) + " |")
    lat = summary.get(("mlp_predict_latency", KFUNC))
    tl = summary.get(("mlp_predict_latency", TORCH))
    if lat and lat["status"] == "ok" and "graph_forward_us" in lat:
        lines.append(f"\nkfunc model(x) under no_grad (graph forward only): {lat['graph_forward_us']:.1f} us/call")
    if tl and tl["status"] == "ok" and "numpy_roundtrip_us" in tl:
        lines.append(f"torch forward with numpy in/out: {tl['numpy_roundtrip_us']:.1f} us/call")

    build = [w for w in BY_NAME.values() if w.group == "build" and any((w.name, i) in summary for i in impls)]
    if build:
        lines += ["", "| graph | layers | kfunc build s | kfunc summary s | kfunc us/layer | keras total s | keras us/layer |",
                  "|---|---|---|---|---|---|---|"]
        for w in build:
            k, ke = summary.get((w.name, KFUNC)), summary.get((w.name, KERAS))
            n = w.kwargs["n_layers"]
            kc = ([f"{k['build_s']:.3f}", f"{k['summary_s']:.3f}", f"{k['value'] / n * 1e6:.0f}"]
                  if k and k["status"] == "ok" else [_cell(k), "-", "-"])
            kec = ([f"{ke['value']:.3f}", f"{ke['value'] / n * 1e6:.0f}"] if ke and ke["status"] == "ok"
                   else [_cell(ke), "-"])
            lines.append(f"| {w.kwargs['topology']} | {n} | " + " | ".join(kc + kec) + " |")

    lines += ["", "| workload | peak RSS MiB: " + " | ".join(impls) + " |", "|---" * (1 + len(impls)) + "|"]
    for w in BY_NAME.values():
        if w.group in ("fit", "forward") and any((w.name, i) in summary for i in impls):
            cells = []
            for i in impls:
                e = summary.get((w.name, i))
                if e and e["status"] == "ok":
                    c = f"{e['rss_peak_mb']:.0f}"
                    if "cuda_peak_mb" in e:
                        c += f" (cuda {e['cuda_peak_mb']:.0f})"
                    cells.append(c)
                else:
                    cells.append("-")
            lines.append(f"| {w.name} | " + " | ".join(cells) + " |")

    lines += ["", "| target | measured | verdict |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {v} |" for t, m, v in targets(summary, device)]
    return "\n".join(lines)
