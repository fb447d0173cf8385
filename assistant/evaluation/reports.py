"""Reports: comparison of two runs, text tables, plots, and results.json / report.md / report.html."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.errors import AssistantError, EvalFileError
from assistant.evaluation.metrics import percentile
from assistant.evaluation.scoring import ANSWER_TARGETS


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
    ma, mb = _flat_metrics(a), _flat_metrics(b)
    for key in list(ma) + [k for k in mb if k not in ma]:
        va, vb = ma.get(key), mb.get(key)
        if isinstance(va, bool) or isinstance(vb, bool):
            continue
        if isinstance(va, (int, float)) or isinstance(vb, (int, float)):
            if not (va is None or isinstance(va, (int, float))) or not (vb is None or isinstance(vb, (int, float))):
                continue
            d = round(vb - va, 4) if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else None
            deltas[key] = {"a": va, "b": vb, "delta": d}
    ia, ib = _flat_items(a), _flat_items(b)
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
                flipped.append({"id": id_, "split": y.get("split"), "question": y.get("question"), "changes": changes,
                                "a": {"fact_recall": fa, "abstained": x.get("abstained"), "facts_missed": x.get("facts_missed")},
                                "b": {"fact_recall": fb, "abstained": y.get("abstained"), "facts_missed": y.get("facts_missed")},
                                "answerable": y.get("answerable")})
        else:
            for key, what in (("item_correct", "item"), ("component_correct", "component")):
                if x.get(key) is not None and y.get(key) is not None and bool(x[key]) != bool(y[key]):
                    changes.append(f"{what} wrong -> right" if y[key] else f"{what} right -> wrong")
            if changes:
                flipped.append({"id": id_, "split": y.get("split"), "text": y.get("text"), "changes": changes, "gold": y.get("gold"),
                                "a": x.get("pred"), "b": y.get("pred")})
    return {"kind": ka, "metrics": deltas, "flipped": flipped,
            "only_in_a": [i for i in ia if i not in ib], "only_in_b": [i for i in ib if i not in ia],
            "run_a": a.get("run"), "run_b": b.get("run")}


def _flat_metrics(results: dict) -> dict:
    """Answers: the metrics as they are. Tags: "slice/metric" for our tagger on each whole slice."""
    if "slices" not in results:
        return results.get("metrics") or {}
    return {f"{name}/{k}": v for name, sl in results["slices"].items() for k, v in sl["metrics"]["ours"]["all"].items()
            if not isinstance(v, (dict, list))}


def _flat_items(results: dict) -> dict:
    if "slices" not in results:
        return {it["id"]: it for it in results.get("items") or []}
    return {f"{name}/{it['id']}": it for name, sl in results["slices"].items() for it in sl["items"]}


def format_comparison(comp: dict) -> str:
    lines = [f"{'metric':<24} {'A':>10} {'B':>10} {'delta':>10}"]
    for key, d in comp["metrics"].items():
        lines.append(f"{key:<24} {_fmt(d['a']):>10} {_fmt(d['b']):>10} {_fmt(d['delta'], signed=True):>10}")
    if comp["flipped"]:
        shown = readable(comp["flipped"])
        lines.append(f"\n{len(comp['flipped'])} item(s) flipped:")
        for f in shown:
            what = f.get("question") or f.get("text") or ""
            lines.append(f"  {f['id']}: {', '.join(f['changes'])} - {what[:90]}")
            if comp["kind"] == "answers" and f["b"].get("facts_missed"):
                lines.append(f"      now missing: {', '.join(f['b']['facts_missed'])}")
        lines += [f"  {x}" for x in with_held_back([], len(comp["flipped"]) - len(shown))]
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
             _table(split_rows(results), ("metric", "all", *results.get("metrics_by_split", {}).keys(), "target", "")), ""]
    misses, held = answer_misses(results["items"]), held_out_misses(results["items"])
    if misses or held:
        lines.append(f"misses ({len(misses)}{' outside the held-out half' if held else ''}):")
        lines += [f"  {line}" for line in with_held_back(misses, held)]
    else:
        lines.append("no misses")
    return "\n".join(lines)


def split_rows(results: dict) -> list[tuple]:
    """One row per metric: the whole set, then its development and held-out halves, then the target (checked
    on the held-out half where there is one: that is the figure nothing was tuned on)."""
    m, by = results["metrics"], results.get("metrics_by_split") or {}
    judged = by.get("heldout", m)
    rows = []
    for key, value in m.items():
        if isinstance(value, (dict, list)):
            continue
        op, t = ANSWER_TARGETS.get(key, (None, None))
        rows.append((key, _fmt(value), *[_fmt(sub.get(key)) for sub in by.values()], f"{op} {t:g}" if op else "",
                     _check(judged.get(key), op, t) if op else ""))
    return rows


def readable(items: list[dict]) -> list[dict]:
    """The items whose errors a person may read: a held-out item's errors are never printed (in the terminal
    or a report), only counted, so that reading the output cannot tune anything on the held-out half.
    ``--json`` and results.json keep every item, for scripts that only count."""
    return [it for it in items if it.get("split") != "heldout"]


def with_held_back(lines: list[str], n: int) -> list[str]:
    """``lines`` (what a person may read), then one line counting the ``n`` held-out ones left out, if any."""
    return lines + ([f"{n} more on the held-out half, not listed: that half is for measuring, not reading"] if n else [])


def _miss(it: dict) -> str | None:
    if it.get("error"):
        return f"{it['id']}: ERROR {it['error']} - {it['question']}"
    if it["answerable"] and it["abstained"]:
        return f"{it['id']}: abstained on an answerable question - {it['question']}"
    if it["answerable"] and it["facts_missed"]:
        return f"{it['id']}: missed {', '.join(repr(f) for f in it['facts_missed'])} - {it['question']}"
    if not it["answerable"] and not it["abstained"]:
        return f"{it['id']}: answered an unanswerable question ({it['n_citations']} citations) - {it['question']}"
    return None


def answer_misses(items: list[dict]) -> list[str]:
    """A line per miss on a development or unsplit question; misses on the held-out half are only counted
    (``held_out_misses``), never listed (:func:`readable`)."""
    return [m for it in readable(items) if (m := _miss(it))]


def held_out_misses(items: list[dict]) -> int:
    return sum(1 for it in items if it.get("split") == "heldout" and _miss(it))


def tag_tables(results: dict) -> list[dict]:
    """Per slice: a table of metrics for our tagger (whole slice, dev and held-out halves) and each baseline
    (whole slice), with the slice's targets; and our errors."""
    from assistant.evaluation.scoring import COMPONENT_METRICS, LINK_METRICS, TAG_TARGETS

    out = []
    for name, sl in results["slices"].items():
        keys = LINK_METRICS if sl["kind"] == "links" else COMPONENT_METRICS
        ours = sl["metrics"]["ours"]
        cols = [("ours", ours["all"])] + [(f"ours {s}", ours[s]) for s in ("dev", "heldout") if s in ours]
        cols += [(run, m["all"]) for run, m in sl["metrics"].items() if run != "ours"]
        targets = TAG_TARGETS.get(name.removesuffix(".jsonl"), {})
        rows = []
        for key in keys:
            op, t = targets.get(key, (None, None))
            value = ours["all"].get(key)
            rows.append((key, *[_fmt(m.get(key)) for _, m in cols], f"{op} {t:g}" if op else "",
                         _check(value, op, t) if op else ""))
        wrong = [it for it in sl["items"] if not (it["item_correct"] if it.get("item_correct") is not None else it["component_correct"])]
        errors = [f"{it['id']}: gold {it['gold'].get('item') or it['gold']['component']}/{it['gold'].get('relation') or it['gold']['polarity']}, "
                  f"ours {it['pred'].get('item') or it['pred']['component']}/{it['pred'].get('relation') or it['pred']['polarity']} - {it['text'][:90]}"
                  for it in readable(wrong)]
        n = ours["all"].get("n_items")
        out.append({"name": name, "n": n, "header": ("metric", *[c for c, _ in cols], "target", ""), "rows": rows,
                    "errors": errors, "held_back": len(wrong) - len(errors)})
    return out


def format_tags(results: dict) -> str:
    lines = []
    for t in tag_tables(results):
        lines += [f"{t['name']}: {t['n']} items", _table(t["rows"], t["header"]), ""]
        if t["errors"] or t["held_back"]:
            held = t["held_back"]
            lines.append(f"  our errors ({len(t['errors'])}{' outside the held-out half' if held else ''}), first 12:")
            lines += [f"    {e}" for e in with_held_back(t["errors"][:12], held)]
            lines.append("")
    return "\n".join(lines).rstrip()


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
    ans = [it for it in readable(items) if it["answerable"]]  # per-question bars name ids: development half only
    held = sum(1 for it in items if it["answerable"]) - len(ans)
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
    ax.set_title("Fact recall per answerable question (red: abstained)" + (f"; {held} held-out not shown" if held else ""))
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


def _md_table(header, rows) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


REPORT_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f3f3f3}img{max-width:100%}figure{margin:1em 0}</style></head>
<body><h1>{{ title }}</h1>
{% for t in tables %}{% if t.name %}<h2>{{ t.name }}</h2>{% endif %}
<table><thead><tr>{% for h in t.header %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>{% for r in t.rows %}<tr>{% for c in r %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
{% if t.errors %}<details><summary>{{ t.errors|length }} errors{% if t.held_back %} outside the held-out half{% endif %}</summary><ul>{% for e in t.errors %}<li>{{ e }}</li>{% endfor %}</ul></details>{% endif %}
{% if t.held_back %}<p>{{ t.held_back }} more on the held-out half, not listed: that half is for measuring, not reading</p>{% endif %}
{% endfor %}
{% for name, data in plots %}<figure><img alt="{{ name }}" src="data:image/png;base64,{{ data }}"></figure>{% endfor %}
{% if notes %}<h2>Misses</h2><ul>{% for n in notes %}<li>{{ n }}</li>{% endfor %}</ul>{% endif %}
{% if detail %}<h2>Items</h2><table><thead><tr>{% for h in detail.header %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>{% for r in detail.rows %}<tr>{% for c in r %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>{% endif %}
<h2>Run</h2><table>{% for k, v in run %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}</table>
</body></html>
"""


def write_report(results: dict, out_dir) -> dict:
    """results.json, report.md (with the plots as PNG files beside it) and a self-contained report.html
    (jinja2 with autoescaping: nothing from a question or a passage is markup)."""
    import base64

    from jinja2 import Environment

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise AssistantError(f"cannot create the report folder {out}: {e.strerror}") from None
    kind = results_kind(results)
    run = results.get("run") or {}
    detail, notes, plots = None, [], {}
    if kind == "answers":
        title = "Answer quality"
        plots = answer_plots(results)
        tables = [{"name": "", "header": ("metric", "value", "target", ""), "rows": metric_rows(results["metrics"], ANSWER_TARGETS),
                   "errors": [], "held_back": 0}]
        detail = {"header": ("id", "answerable", "abstained", "fact recall", "point recall", "missed", "citations", "latency ms"),
                  "rows": [(it["id"], it["answerable"], it["abstained"], _fmt(it["fact_recall"]), _fmt(it.get("point_recall")),
                            ", ".join(it["facts_missed"]), it["n_citations"], f"{it['latency_ms']:.1f}")
                           for it in readable(results["items"])]}
        held = held_out_misses(results["items"])
        notes = with_held_back(answer_misses(results["items"]), held)
    else:
        title = "COM-B tagging"
        tables = tag_tables(results)
    (out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", "utf-8")
    for name, data in plots.items():
        (out / name).write_bytes(data)
    run_rows = [(k, json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in run.items()]
    md = [f"# {title}", ""]
    for t in tables:
        md += ([f"## {t['name']}", ""] if t["name"] else []) + [_md_table(t["header"], t["rows"]), ""]
        shown = with_held_back(t["errors"], t.get("held_back", 0))
        md += [f"- {e}" for e in shown] + ([""] if shown else [])
    md += [f"![{name}]({name})" for name in plots] + [""]
    if notes:
        md += ["## Misses", ""] + [f"- {n}" for n in notes] + [""]
    if detail:
        md += ["## Items", "", _md_table(detail["header"], detail["rows"]), ""]
    md += ["## Run", "", _md_table(("field", "value"), run_rows)]
    (out / "report.md").write_text("\n".join(md) + "\n", "utf-8")
    page = Environment(autoescape=True).from_string(REPORT_TEMPLATE).render(
        title=title, tables=tables, notes=notes, detail=detail, run=run_rows,
        plots=[(name, base64.b64encode(data).decode()) for name, data in plots.items()])
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
