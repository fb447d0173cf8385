"""Reports: comparison of two runs, text tables, plots, and results.json / report.md / report.html."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.errors import AssistantError, EvalFileError
from assistant.evaluation.metrics import percentile
from assistant.evaluation.scoring import ANSWER_TARGETS, TAG_TARGETS


def results_kind(results: dict) -> str:
    kind = (results.get("run") or {}).get("kind")
    if kind in ("answers", "tags"):
        return kind
    items = results.get("items") or []
    if items and "gold" in items[0]:
        return "tags"
    return "answers"


def compare_results(a: dict, b: dict) -> dict:
    """Metric deltas (b - a) and the items that flipped between two results files of the same kind.

    Answers: an item flips when its fact recall went up or down, or when it abstained in one run and not the
    other. Tags: when its component went from right to wrong or back, or its polarity did.
    """
    ka, kb = results_kind(a), results_kind(b)
    if ka != kb:
        raise EvalFileError(f"cannot compare a {ka} run with a {kb} run")
    deltas = {}
    ma, mb = a.get("metrics") or {}, b.get("metrics") or {}
    for key in list(ma) + [k for k in mb if k not in ma]:
        va, vb = ma.get(key), mb.get(key)
        if isinstance(va, bool) or isinstance(vb, bool):
            continue
        if isinstance(va, (int, float)) or isinstance(vb, (int, float)):
            if not (va is None or isinstance(va, (int, float))) or not (vb is None or isinstance(vb, (int, float))):
                continue
            d = round(vb - va, 4) if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else None
            deltas[key] = {"a": va, "b": vb, "delta": d}
    ia = {it["id"]: it for it in a.get("items") or []}
    ib = {it["id"]: it for it in b.get("items") or []}
    flipped = []
    for id_ in [i for i in ia if i in ib]:
        x, y = ia[id_], ib[id_]
        changes = []
        if ka == "answers":
            fa, fb = x.get("fact_recall"), y.get("fact_recall")
            if fa is not None and fb is not None and abs(fa - fb) > 1e-9:
                changes.append("fact recall up" if fb > fa else "fact recall down")
            if bool(x.get("abstained")) != bool(y.get("abstained")):
                changes.append("now abstains" if y.get("abstained") else "no longer abstains")
            if changes:
                flipped.append({"id": id_, "question": y.get("question"), "changes": changes,
                                "a": {"fact_recall": fa, "abstained": x.get("abstained"), "facts_missed": x.get("facts_missed")},
                                "b": {"fact_recall": fb, "abstained": y.get("abstained"), "facts_missed": y.get("facts_missed")},
                                "answerable": y.get("answerable")})
        else:
            if bool(x.get("component_correct")) != bool(y.get("component_correct")):
                changes.append("component wrong -> right" if y.get("component_correct") else "component right -> wrong")
            if bool(x.get("polarity_correct")) != bool(y.get("polarity_correct")):
                changes.append("polarity wrong -> right" if y.get("polarity_correct") else "polarity right -> wrong")
            if changes:
                flipped.append({"id": id_, "text": y.get("text"), "changes": changes, "gold": y.get("gold"),
                                "a": x.get("pred"), "b": y.get("pred")})
    return {"kind": ka, "metrics": deltas, "flipped": flipped,
            "only_in_a": [i for i in ia if i not in ib], "only_in_b": [i for i in ib if i not in ia],
            "run_a": a.get("run"), "run_b": b.get("run")}


def format_comparison(comp: dict) -> str:
    lines = [f"{'metric':<24} {'A':>10} {'B':>10} {'delta':>10}"]
    for key, d in comp["metrics"].items():
        lines.append(f"{key:<24} {_fmt(d['a']):>10} {_fmt(d['b']):>10} {_fmt(d['delta'], signed=True):>10}")
    if comp["flipped"]:
        lines.append(f"\n{len(comp['flipped'])} item(s) flipped:")
        for f in comp["flipped"]:
            what = f.get("question") or f.get("text") or ""
            lines.append(f"  {f['id']}: {', '.join(f['changes'])} - {what[:90]}")
            if comp["kind"] == "answers" and f["b"].get("facts_missed"):
                lines.append(f"      now missing: {', '.join(f['b']['facts_missed'])}")
    else:
        lines.append("\nno item flipped")
    if comp["only_in_a"] or comp["only_in_b"]:
        lines.append(f"only in A: {', '.join(comp['only_in_a']) or '-'}; only in B: {', '.join(comp['only_in_b']) or '-'}")
    return "\n".join(lines)


def _fmt(v, signed: bool = False) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:+.4g}" if signed else f"{v:.4g}"
    return f"{v:+d}" if signed else str(v)


def _check(value, op, target) -> str:
    if value is None:
        return "n/a"
    return "ok" if (value >= target if op == ">=" else value <= target) else "MISS"


def metric_rows(metrics: dict, targets: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    for key, value in metrics.items():
        if isinstance(value, (dict, list)):
            continue
        op, t = targets.get(key, (None, None))
        rows.append((key, _fmt(value), f"{op} {t:g}" if op else "", _check(value, op, t) if op else ""))
    return rows


def _table(rows, header=("metric", "value", "target", "")) -> str:
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    out = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths)).rstrip()]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(out)


def format_answers(results: dict) -> str:
    m = results["metrics"]
    run = results.get("run") or {}
    lines = [f"eval answers: {m['n_items']} questions ({m['n_answerable']} answerable, {m['n_unanswerable']} unanswerable); "
             f"index v{run.get('index_version')}, k={run.get('retrieval', {}).get('k')}, {run.get('mode', '')}", "",
             _table(metric_rows(m, ANSWER_TARGETS)), ""]
    misses = answer_misses(results["items"])
    if misses:
        lines.append(f"misses ({len(misses)}):")
        lines += [f"  {line}" for line in misses]
    else:
        lines.append("no misses")
    return "\n".join(lines)


def answer_misses(items: list[dict]) -> list[str]:
    out = []
    for it in items:
        if it.get("error"):
            out.append(f"{it['id']}: ERROR {it['error']} - {it['question']}")
        elif it["answerable"] and it["abstained"]:
            out.append(f"{it['id']}: abstained on an answerable question - {it['question']}")
        elif it["answerable"] and it["facts_missed"]:
            out.append(f"{it['id']}: missed {', '.join(repr(f) for f in it['facts_missed'])} - {it['question']}")
        elif not it["answerable"] and not it["abstained"]:
            out.append(f"{it['id']}: answered an unanswerable question ({it['n_citations']} citations) - {it['question']}")
    return out


def format_tags(results: dict) -> str:
    m = results["metrics"]
    names = ["accuracy", "macro_f1", "polarity_accuracy", "subcomponent_accuracy"]
    base = results.get("baselines") or {}
    header = ("metric", "ours", *base.keys(), "target", "")
    rows = []
    for key in names:
        op, t = TAG_TARGETS.get(key, (None, None))
        rows.append((key, _fmt(m.get(key)), *[_fmt(b["metrics"].get(key)) for b in base.values()],
                     f"{op} {t:g}" if op else "", _check(m.get(key), op, t) if op else ""))
    conf = m["confusion"]
    lines = [f"eval tags: {m['n_items']} statements ({m['n_with_subcomponent']} with a sub-component)", "", _table(rows, header), "",
             "confusion (rows gold, columns predicted):", _table(
                 [(lab, *[str(v) for v in row]) for lab, row in zip(conf["labels"], conf["matrix"])], ("", *conf["labels"])), "",
             _table([(lab, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}", str(s["support"]))
                     for lab, s in m["per_class"].items()], ("class", "precision", "recall", "f1", "support"))]
    wrong = [it for it in results["items"] if not it["component_correct"] or not it["polarity_correct"]]
    if wrong:
        lines += ["", f"errors ({len(wrong)}):"]
        for it in wrong:
            g, p = it["gold"], it["pred"]
            lines.append(f"  {it['id']}: gold {g['component']}/{g['polarity']}, ours {p['component']}/{p['polarity']} - {it['text'][:90]}")
    return "\n".join(lines)


def _png(fig) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def answer_plots(results: dict) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = results["items"]
    ans = [it for it in items if it["answerable"]]
    plots = {}
    fig, ax = plt.subplots(figsize=(max(6, 0.14 * len(ans) + 2), 3.6))
    vals = [it["fact_recall"] or 0.0 for it in ans]
    colors = ["#c0392b" if it["abstained"] else ("#2e86c1" if v >= 0.999 else "#e67e22") for it, v in zip(ans, vals)]
    ax.bar(range(len(ans)), vals, color=colors)
    zeros = [i for i, v in enumerate(vals) if v == 0]
    if zeros:  # a zero-height bar is invisible: mark it
        ax.scatter(zeros, [0.02] * len(zeros), marker="x", color=[colors[i] for i in zeros], zorder=3)
    ax.set_xticks(range(len(ans)))
    ax.set_xticklabels([it["id"] for it in ans], rotation=90, fontsize=6 if len(ans) > 30 else 8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("fact recall")
    ax.axhline(0.9, color="grey", linestyle="--", linewidth=0.8)
    ax.set_title("Fact recall per answerable question (red: abstained)")
    plots["fact_recall.png"] = _png(fig)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    lat = [it["latency_ms"] for it in items]
    ax.hist(lat, bins=min(30, max(5, len(lat) // 3)), color="#5d6d7e")
    for q, style in ((50, "--"), (95, ":")):
        v = percentile(lat, q)
        if v is not None:
            ax.axvline(v, color="black", linestyle=style, linewidth=1, label=f"p{q} {v:.0f} ms")
    ax.set_xlabel("latency (ms, timings_ms.total)")
    ax.set_ylabel("questions")
    ax.legend()
    ax.set_title("Answer latency")
    plots["latency.png"] = _png(fig)
    return plots


def tag_plots(results: dict) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conf = results["metrics"]["confusion"]
    labels, m = conf["labels"], conf["matrix"]
    fig, ax = plt.subplots(figsize=(5, 4.3))
    im = ax.imshow(m, cmap="Blues")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    top = max(max(r) for r in m) if m else 0
    for i, row in enumerate(m):
        for j, v in enumerate(row):
            ax.text(j, i, str(v), ha="center", va="center", color="white" if v > top / 2 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046)
    ax.set_title("COM-B component: confusion matrix")
    return {"confusion.png": _png(fig)}


def _md_table(header, rows) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


def _html_table(header, rows) -> str:
    import html

    h = "".join(f"<th>{html.escape(str(c))}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def write_report(results: dict, out_dir) -> dict:
    """results.json, report.md (with the plots as PNG files beside it) and a self-contained report.html."""
    import base64
    import html

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise AssistantError(f"cannot create the report folder {out}: {e.strerror}") from None
    kind = results_kind(results)
    m = results["metrics"]
    run = results.get("run") or {}
    if kind == "answers":
        title = "Answer quality"
        plots = answer_plots(results)
        header = ("metric", "value", "target", "")
        rows = metric_rows(m, ANSWER_TARGETS)
        detail_header = ("id", "answerable", "abstained", "fact recall", "missed", "citations", "latency ms")
        detail = [(it["id"], it["answerable"], it["abstained"], _fmt(it["fact_recall"]), ", ".join(it["facts_missed"]),
                   it["n_citations"], f"{it['latency_ms']:.1f}") for it in results["items"]]
        notes = answer_misses(results["items"])
    else:
        title = "COM-B tagging"
        plots = tag_plots(results)
        base = results.get("baselines") or {}
        header = ("metric", "ours", *base.keys(), "target", "")
        rows = []
        for key in ["accuracy", "macro_f1", "polarity_accuracy", "subcomponent_accuracy"]:
            op, t = TAG_TARGETS.get(key, (None, None))
            rows.append((key, _fmt(m.get(key)), *[_fmt(b["metrics"].get(key)) for b in base.values()],
                         f"{op} {t:g}" if op else "", _check(m.get(key), op, t) if op else ""))
        detail_header = ("class", "precision", "recall", "f1", "support")
        detail = [(lab, s["precision"], s["recall"], s["f1"], s["support"]) for lab, s in m["per_class"].items()]
        notes = [f"{it['id']}: gold {it['gold']['component']}/{it['gold']['polarity']}, ours "
                 f"{it['pred']['component']}/{it['pred']['polarity']} - {it['text']}"
                 for it in results["items"] if not it["component_correct"] or not it["polarity_correct"]]
    (out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", "utf-8")
    for name, data in plots.items():
        (out / name).write_bytes(data)
    run_rows = [(k, json.dumps(v) if isinstance(v, dict) else v) for k, v in run.items()]
    md = [f"# {title}", "", _md_table(header, rows), ""]
    md += [f"![{name}]({name})" for name in plots] + [""]
    md += ["## Run", "", _md_table(("field", "value"), run_rows), "", "## Items" if kind == "answers" else "## Per class", "",
           _md_table(detail_header, detail), "", "## Misses" if kind == "answers" else "## Errors", ""]
    md += [f"- {n}" for n in notes] or ["none"]
    (out / "report.md").write_text("\n".join(md) + "\n", "utf-8")
    imgs = "".join(f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{base64.b64encode(data).decode()}"></figure>'
                   for name, data in plots.items())
    notes_html = "<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>" if notes else "<p>none</p>"
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}}
table{{border-collapse:collapse;margin:1em 0;font-size:14px}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}}
th{{background:#f3f3f3}}img{{max-width:100%}}figure{{margin:1em 0}}</style></head>
<body><h1>{html.escape(title)}</h1>
{_html_table(header, rows)}
{imgs}
<h2>{"Misses" if kind == "answers" else "Errors"}</h2>{notes_html}
<h2>{"Items" if kind == "answers" else "Per class"}</h2>{_html_table(detail_header, detail)}
<h2>Run</h2>{_html_table(("field", "value"), run_rows)}
</body></html>
"""
    (out / "report.html").write_text(page, "utf-8")
    return {"results": str(out / "results.json"), "markdown": str(out / "report.md"), "html": str(out / "report.html")}


def load_results(path) -> dict:
    path = Path(path)
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise EvalFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise EvalFileError(f"{path}: cannot read ({e})") from None
    except json.JSONDecodeError as e:
        raise EvalFileError(f"{path}, line {e.lineno}: not valid JSON ({e.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict) or not isinstance(data.get("items"), list):
        raise EvalFileError(f"{path}: not an eval results file (expected an object with 'metrics' and 'items', "
                            "as written by `eval answers --json` or --report)")
    for i, it in enumerate(data["items"]):
        if not isinstance(it, dict) or "id" not in it:
            raise EvalFileError(f"{path}: item {i + 1} has no 'id'")
    return data
