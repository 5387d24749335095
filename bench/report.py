"""Turning per-process results into the tables ``python -m bench`` prints (Markdown).

``summarize(raw)`` -> per (workload, impl): medians over repeats of the wall-clock metric
(``value``) and of its CPU-time twin (``cpu_value``: this process's CPU seconds, robust when other
tenants share the machine). ``render`` prints the main table twice (wall, CPU), the median step
times, the graph-construction table (time per layer; kfunc, torch, keras), peak memory and the targets.
"""
from __future__ import annotations

import statistics

from .workloads import BY_NAME, CPU_METRIC, KERAS, KFUNC, TORCH

IMPL_COLS = (KFUNC, TORCH, KERAS)
_EXTRAS = ("graph_forward_us", "numpy_roundtrip_us", "build_s", "summary_s", "cpu_build_s", "cpu_summary_s",
           "cuda_peak_mb", "step_ms_median", "cpu_step_ms_median", "fit_wall_s", "load_start", "load_end")


def summarize(raw: dict) -> dict:
    """``raw[(workload, impl)]`` = list of worker dicts -> one dict per key with medians."""
    out = {}
    for (wname, impl), runs in raw.items():
        w = BY_NAME[wname]
        ok = [r for r in runs if r.get("status") == "ok"]
        if ok:
            entry = {"status": "ok", "value": statistics.median(r[w.metric] for r in ok),
                     "values": [r[w.metric] for r in ok],
                     "rss_peak_mb": statistics.median(r["rss_peak_mb"] for r in ok),
                     "rss_start_mb": statistics.median(r["rss_start_mb"] for r in ok),
                     "timing": ok[0].get("timing", "")}
            cm = CPU_METRIC.get(w.metric)
            if cm and all(cm in r for r in ok):
                entry["cpu_value"] = statistics.median(r[cm] for r in ok)
            for extra in _EXTRAS:
                if all(extra in r for r in ok):
                    entry[extra] = statistics.median(r[extra] for r in ok)
            if w.group == "jit":
                entry["modes"] = {m: "/".join(sorted({r.get(f"{m}_jit_mode", "?") for r in ok}))
                                  for m in ("mlp", "cnn") if any(f"{m}_jit_mode" in r for r in ok)}
            if w.group in ("jit", "corpus"):  # every numeric figure: the jit rows hold two models each
                for key, v in ok[0].items():
                    if key not in entry and isinstance(v, (int, float)) and not isinstance(v, bool) \
                            and all(isinstance(r.get(key), (int, float)) for r in ok):
                        entry[key] = statistics.median(r[key] for r in ok)
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


def _ok(entry, key="value") -> bool:
    return bool(entry) and entry["status"] == "ok" and key in entry


def _cell(entry, key="value") -> str:
    if entry is None:
        return "-"
    if entry["status"] == "ok":
        return _fmt(entry[key]) if key in entry else "-"
    return f"{entry['status']}: {entry.get('reason', '')[:60]}"


def _ratio(summary, w, a, b, key="value"):
    """Value of a over value of b (a speed ratio for throughputs, a time ratio for times)."""
    ea, eb = summary.get((w.name, a)), summary.get((w.name, b))
    if not _ok(ea, key) or not _ok(eb, key) or not eb[key]:
        return None
    return ea[key] / eb[key]


def _verdict(ok):
    return "N/A" if ok is None else ("met" if ok else "MISSED")


def targets(summary: dict, device: str) -> list[tuple]:
    """(target, wall measurement, CPU measurement, verdict wall, verdict CPU) rows."""
    rows = []

    def ratio_row(label, w, a, b, test):
        got = [_ratio(summary, w, a, b, key) for key in ("value", "cpu_value")]
        rows.append((label, *("-" if r is None else f"{r:.2f}x" for r in got),
                     *(_verdict(None if r is None else test(r)) for r in got)))

    for w in BY_NAME.values():
        if w.group == "fit":
            ratio_row(f"{w.name}: kfunc >= 0.95x torch", w, KFUNC, TORCH, lambda r: r >= 0.95)
            if w.name in ("mlp_fit", "lstm_qa_fit"):
                ratio_row(f"{w.name}: kfunc >= 2x Keras 3", w, KFUNC, KERAS, lambda r: r >= 2.0)
        elif w.group == "latency":
            ratio_row(f"{w.name}: kfunc time <= 1.2x torch forward (tensor in/out)", w, KFUNC, TORCH,
                      lambda r: r <= 1.2)
            # predict_on_batch takes and returns numpy: the hand-written module doing the same.
            ours, theirs = summary.get((w.name, KFUNC)), summary.get((w.name, TORCH))
            if _ok(ours) and _ok(theirs, "numpy_roundtrip_us"):
                r = ours["value"] / theirs["numpy_roundtrip_us"]
                rows.append((f"{w.name}: kfunc time <= 1.2x torch forward (numpy in/out, same contract)",
                             f"{r:.2f}x", "-", _verdict(r <= 1.2), "N/A"))
    big = summary.get(("build_chain_10000", KFUNC))
    if _ok(big):
        ratio_row("build_chain_10000: build+summary time <= 0.5x torch (nn.Linear chain + torchinfo)",
                  BY_NAME["build_chain_10000"], KFUNC, TORCH, lambda r: r <= 0.5)
        for small_n, large_n in ((1000, 10000), (10000, 100000)):
            lo, hi = summary.get((f"build_chain_{small_n}", KFUNC)), summary.get((f"build_chain_{large_n}", KFUNC))
            if not (_ok(lo) and _ok(hi)):
                continue
            gr = [(hi[k] / large_n) / (lo[k] / small_n) if k in hi and k in lo else None for k in ("value", "cpu_value")]
            rows.append((f"chain build+summary linear: per-layer time {large_n // 1000}k / {small_n // 1000}k <= 1.5",
                         *("-" if g is None else f"{g:.2f}" for g in gr),
                         *(_verdict(None if g is None else g <= 1.5) for g in gr)))
    else:
        rows.append(("build_chain_10000: build+summary time <= 0.5x torch", _cell(big), "-", "N/A", "N/A"))
    jit_w = BY_NAME.get("jit_fit")
    if jit_w is not None and (jit_w.name, "kfunc_jit") in summary:
        for model in ("mlp", "cnn"):
            key = f"{model}_samples_per_s"
            got = [_ratio(summary, jit_w, "kfunc_jit", KFUNC, k) for k in (key, f"{model}_cpu_samples_per_s")]
            rows.append((f"jit_fit {model.upper()}: compile(jit_compile=True) >= 1.0x eager (second model in the process: "
                         f"{'yes' if model == 'cnn' else 'no'})", *("-" if r is None else f"{r:.2f}x" for r in got),
                         *(_verdict(None if r is None else r >= 1.0) for r in got)))
    corpus = [w for w in BY_NAME.values() if w.group == "corpus" and _ok(summary.get((w.name, KERAS)))
              and (w.name, KFUNC) in summary]
    if corpus:
        verdicts = []
        for k in ("value", "cpu_value"):
            slower = [w.name[len("corpus_"):] for w in corpus
                      if not (_ok(summary[(w.name, KFUNC)], k) and summary[(w.name, KFUNC)][k] <= summary[(w.name, KERAS)][k])]
            verdicts.append(slower)
        rows.append((f"corpus: kfunc time <= Keras 3 on each of the {len(corpus)} programs Keras 3 ran",
                     *(f"{len(corpus) - len(v)}/{len(corpus)}" for v in verdicts),
                     *("met" if not v else "MISSED: " + ", ".join(v)[:200] for v in verdicts)))
    jit = [w for w in BY_NAME.values() if w.group == "fit" and (w.name, "kfunc_jit") in summary]
    if device.startswith("cuda") and jit:
        for w in jit:
            ratio_row(f"{w.name}: CUDA jit_compile faster than eager torch", w, "kfunc_jit", TORCH, lambda r: r > 1.0)
    else:
        rows.append(("CUDA jit_compile faster than eager hand-written", "-", "-", "N/A (no GPU)", "N/A (no GPU)"))
    return rows


def _main_table(summary, impls, key, title) -> list[str]:
    lines = ["", title, "", "| workload | unit | " + " | ".join(impls) + " | kfunc/torch | kfunc/keras |",
             "|---" * (4 + len(impls)) + "|"]
    for w in BY_NAME.values():
        if w.group in ("build", "jit", "corpus") or not any((w.name, i) in summary for i in impls):
            continue
        cells = [_cell(summary.get((w.name, i)), key) for i in impls]
        rts = []
        for other in (TORCH, KERAS):
            r = _ratio(summary, w, KFUNC, other, key)
            rts.append("-" if r is None else (f"{r:.2f}x" if w.higher_better else f"time {r:.2f}x"))
        lines.append(f"| {w.name} | {w.unit} | " + " | ".join(cells) + " | " + " | ".join(rts) + " |")
    return lines


def _step_table(summary, impls) -> list[str]:
    """Median step time per fit workload: robust to stalls, where the mean rate carries bursts."""
    rows = []
    for w in BY_NAME.values():
        if w.group != "fit":
            continue
        es = [summary.get((w.name, i)) for i in impls]
        if not any(_ok(e, "step_ms_median") for e in es):
            continue
        cells = [f"{e['step_ms_median']:.2f} / {e.get('cpu_step_ms_median', float('nan')):.2f}"
                 if _ok(e, "step_ms_median") else "-" for e in es]
        r = _ratio(summary, w, TORCH, KFUNC, "step_ms_median")
        rc = _ratio(summary, w, TORCH, KFUNC, "cpu_step_ms_median")
        rows.append(f"| {w.name} | " + " | ".join(cells) +
                    f" | {'-' if r is None else f'{r:.2f}x'} / {'-' if rc is None else f'{rc:.2f}x'} |")
    if not rows:
        return []
    return ["", "Median step time, wall ms / CPU ms:", "",
            "| workload | " + " | ".join(impls) + " | kfunc/torch speed (wall / CPU) |",
            "|---" * (2 + len(impls)) + "|"] + rows


def _data_parallel_table(summary) -> list[str]:
    """1 vs 2 processes (the dp_* workloads) side by side, with the scaling factor 2-proc / 1-proc."""
    one, two = BY_NAME.get("dp_mlp_fit_1proc"), BY_NAME.get("dp_mlp_fit_2proc")
    if one is None or not any((w.name, i) in summary for w in (one, two) for i in (KFUNC, TORCH)):
        return []
    lines = ["", "Data parallel (torchrun): global samples/s, wall / CPU of all processes:", "",
             "| impl | 1 process | 2 processes | scaling 2/1 (wall / CPU) |", "|---|---|---|---|"]
    for impl in (KFUNC, TORCH):
        e1, e2 = summary.get((one.name, impl)), summary.get((two.name, impl))
        cells = [f"{_cell(e, 'value')} / {_cell(e, 'cpu_value')}" if _ok(e) else _cell(e) for e in (e1, e2)]
        sc = ["-" if not (_ok(e1, k) and _ok(e2, k) and e1[k]) else f"{e2[k] / e1[k]:.2f}x"
              for k in ("value", "cpu_value")]
        lines.append(f"| {impl} | {cells[0]} | {cells[1]} | {sc[0]} / {sc[1]} |")
    return lines


def _build_table(summary, impls) -> list[str]:
    build = [w for w in BY_NAME.values() if w.group == "build" and any((w.name, i) in summary for i in impls)]
    if not build:
        return []
    lines = ["", "Graph construction + summary() (wall s; CPU s in the us/layer column's parenthesis; "
             "torch: nn.Linear modules + torchinfo.summary):", "",
             "| graph | layers | kfunc build s | kfunc summary s | kfunc us/layer (CPU) | torch total s | "
             "torch us/layer (CPU) | kfunc/torch time (wall / CPU) | keras total s | keras us/layer (CPU) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for w in build:
        k, t, ke = (summary.get((w.name, i)) for i in (KFUNC, TORCH, KERAS))
        n = w.kwargs["n_layers"]

        def per_layer(e):
            return f"{e['value'] / n * 1e6:.0f} ({e.get('cpu_value', float('nan')) / n * 1e6:.0f})"

        def total(e):
            return [f"{e['value']:.3f}", per_layer(e)] if _ok(e) else [_cell(e), "-"]

        kc = ([f"{k['build_s']:.3f}", f"{k['summary_s']:.3f}", per_layer(k)] if _ok(k) else [_cell(k), "-", "-"])
        rt = [_ratio(summary, w, KFUNC, TORCH, key) for key in ("value", "cpu_value")]
        rtc = "-" if rt[0] is None else f"{rt[0]:.2f}x / " + ("-" if rt[1] is None else f"{rt[1]:.2f}x")
        lines.append(f"| {w.kwargs['topology']} | {n} | " + " | ".join(kc + total(t) + [rtc] + total(ke)) + " |")
    return lines


def _jit_table(summary) -> list[str]:
    """Eager vs compiled, per model of the jit_fit process (the MLP first, then the CNN)."""
    w = BY_NAME.get("jit_fit")
    if w is None or not any((w.name, i) in summary for i in w.impls):
        return []
    pairs = ((KFUNC, "kfunc_jit"), (KERAS, "keras_jit"), (TORCH, "torch_compile"))
    lines = ["", "Eager vs compiled training (jit_fit: the MLP, then the CNN in the same process; samples/s, "
             "wall / CPU; compiled = compile(jit_compile=True), torch.compile for torch):", "",
             "| model | kfunc eager | kfunc jit | kfunc jit/eager | keras eager | keras jit | keras jit/eager | "
             "torch eager | torch.compile | torch compiled/eager | kfunc jit / torch.compile |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for model in ("mlp", "cnn"):
        keys = (f"{model}_samples_per_s", f"{model}_cpu_samples_per_s")
        cells = []
        for eager, jit in pairs:
            for impl in (eager, jit):
                e = summary.get((w.name, impl))
                cells.append(" / ".join(_cell(e, k) for k in keys) if _ok(e, keys[0]) else _cell(e))
            rs = [_ratio(summary, w, jit, eager, k) for k in keys]
            cells.append(" / ".join("-" if r is None else f"{r:.2f}x" for r in rs))
        rs = [_ratio(summary, w, "kfunc_jit", "torch_compile", k) for k in keys]
        cells.append(" / ".join("-" if r is None else f"{r:.2f}x" for r in rs))
        lines.append(f"| {model.upper()} | " + " | ".join(cells) + " |")
    raw_modes = summary.get((w.name, "kfunc_jit"), {}).get("modes")
    if raw_modes:
        lines.append("\nkfunc jit_compile's choice after its compiled-vs-eager trial (train step): "
                     + ", ".join(f"{m.upper()} {v}" for m, v in raw_modes.items()))
    first = [(impl, summary.get((w.name, impl))) for impl in ("kfunc_jit", "keras_jit", "torch_compile")]
    firsts = [f"{impl} {e['mlp_fit_wall_s']:.1f} s / {e['cnn_fit_wall_s']:.1f} s" for impl, e in first
              if _ok(e, "mlp_fit_wall_s") and "cnn_fit_wall_s" in e]
    if firsts:
        lines.append("\nFirst fit call incl. compilation (MLP / CNN, wall): " + "; ".join(firsts))
    return lines


def _corpus_table(summary) -> list[str]:
    rows = [w for w in BY_NAME.values() if w.group == "corpus" and any((w.name, i) in summary for i in (KFUNC, KERAS))]
    if not rows:
        return []
    lines = ["", "Corpus programs, one run each (wall s / CPU s of the program's process):", "",
             "| program | kfunc_torch | Keras 3 | kfunc/Keras time (wall / CPU) |", "|---|---|---|---|"]
    for w in rows:
        k, ke = summary.get((w.name, KFUNC)), summary.get((w.name, KERAS))
        cells = [f"{e['value']:.1f} / {e.get('cpu_value', float('nan')):.1f}" if _ok(e) else _cell(e) for e in (k, ke)]
        rs = [_ratio(summary, w, KFUNC, KERAS, key) for key in ("value", "cpu_value")]
        lines.append(f"| {w.name[len('corpus_'):]} | {cells[0]} | {cells[1]} | "
                     + " / ".join("-" if r is None else f"{r:.2f}x" for r in rs) + " |")
    return lines


def _memory_table(summary, impls) -> list[str]:
    lines = ["", "Peak memory (RSS high-water mark of the process, MiB; CUDA peak allocated where on a GPU):", "",
             "| workload | " + " | ".join(impls) + " |", "|---" * (1 + len(impls)) + "|"]
    for w in BY_NAME.values():
        if w.group in ("fit", "forward") and any((w.name, i) in summary for i in impls):
            cells = []
            for i in impls:
                e = summary.get((w.name, i))
                c = "-"
                if _ok(e):
                    c = f"{e['rss_peak_mb']:.0f}" + (f" (cuda {e['cuda_peak_mb']:.0f})" if "cuda_peak_mb" in e else "")
                cells.append(c)
            lines.append(f"| {w.name} | " + " | ".join(cells) + " |")
    return lines


def render(summary: dict, machine: str, device: str) -> str:
    impls = list(IMPL_COLS) + (["kfunc_jit"] if any(k[1] == "kfunc_jit" and BY_NAME[k[0]].group == "fit"
                                                    for k in summary) else [])
    lines = [machine]
    loads = [e[k] for e in summary.values() if _ok(e) for k in ("load_start", "load_end") if k in e]
    if loads:
        lines.append(f"load average during the runs: {min(loads):.1f} .. {max(loads):.1f}")
    lines += _main_table(summary, impls, "value", "Wall clock (medians over repeats):")
    lat, tl = summary.get(("mlp_predict_latency", KFUNC)), summary.get(("mlp_predict_latency", TORCH))
    if _ok(lat, "graph_forward_us"):
        lines.append(f"\nkfunc model(x) under no_grad (graph forward only): {lat['graph_forward_us']:.1f} us/call")
    if _ok(tl, "numpy_roundtrip_us"):
        lines.append(f"torch forward with numpy in/out: {tl['numpy_roundtrip_us']:.1f} us/call")
    lines += _main_table(summary, impls, "cpu_value", "Process CPU time (medians over repeats):")
    lines += _step_table(summary, impls)
    lines += _data_parallel_table(summary)
    lines += _jit_table(summary)
    lines += _build_table(summary, impls)
    lines += _corpus_table(summary)
    lines += _memory_table(summary, impls)
    lines += ["", "| target | wall | CPU | verdict (wall) | verdict (CPU) |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in targets(summary, device)]
    return "\n".join(lines)
