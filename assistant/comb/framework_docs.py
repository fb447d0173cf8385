"""Write the corpus framework documents (corpus/framework/*.md) from taxonomy.yaml.

The framework documents are generated, never edited by hand, so that what the assistant cites about COM-B
and the Behaviour Change Wheel is the same data its tagger and UI use. A test fails when they drift:
re-run ``python -m assistant.comb.framework_docs corpus/framework``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from assistant.comb.taxonomy import SUBCOMPONENTS, label, taxonomy

WRITTEN = "2026-11-26"
REVISED = "2026-11-30"
BCW_URL = "https://doi.org/10.1186/1748-5908-6-42"
TDF_URL = "https://doi.org/10.1186/1748-5908-7-37"


def _front(title, publisher, year, url, licence, note) -> str:
    meta = {"title": title, "publisher": publisher, "year": year, "url": url, "doc_type": "framework",
            "licence": licence, "design": "framework", "setting": "UK", "publisher_kind": "academic", "source_note": note}
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000) + "---\n\n"


def com_b() -> str:
    tax = taxonomy()
    out = [_front("The COM-B model of behaviour, for commissioners", "Implementation Science (Michie, van Stralen and West)", 2011,
                  BCW_URL, "Open access article (licence not recorded here)",
                  f"Generated {WRITTEN} from assistant/comb/taxonomy.yaml, whose definitions paraphrase Michie, van Stralen and West (2011) as summarised in the project's source notes (com-b-bcw.md); the examples are ours, drawn from the seed study's findings. Revised {REVISED}: the behaviour in the first section is the one the McSweeney et al. (2025) study names, instead of being described as this assistant's.")]
    out.append("## What COM-B says\n\nThe COM-B model explains a behaviour by three conditions that must all be in place: people need "
               "the Capability to do it, the Opportunity to do it, and more Motivation to do it than to do anything else. "
               "In the McSweeney et al. (2025) study of commissioners the behaviour is commissioning parent-infant relationship "
               "(PAIR) services: an NHS integrated care board or a local authority deciding to fund, design and keep such a "
               "service. When a commissioning decision "
               "stalls, COM-B asks which of the three conditions is missing, so that the response targets the real obstacle "
               "rather than the most visible one.\n")
    for comp, info in tax["components"].items():
        subs = [s for s in SUBCOMPONENTS if tax["subcomponents"][s]["component"] == comp]
        names = " and ".join(tax["subcomponents"][s]["label"].lower() for s in subs)
        out.append(f"## {info['label']}\n\n{info['label']} in COM-B: {info['definition'][0].lower()}{info['definition'][1:]} "
                   f"It has two sub-components, {names}.\n")
    for sub in SUBCOMPONENTS:
        info = tax["subcomponents"][sub]
        fns = ", ".join(label(f).lower() for f in tax["matrix_a"]["cells"][sub])
        out.append(f"## {info['label']} ({label(info['component'])})\n\n{info['label']} means: {info['definition'][0].lower()}"
                   f"{info['definition'][1:]} A commissioning example: {info['commissioning_example']} "
                   f"The Behaviour Change Wheel (2011 matrix) links {info['label'].lower()} to these intervention functions: {fns}.\n")
    out.append(f"## Source and citation\n\nMichie S, van Stralen MM, West R. The behaviour change wheel: a new method for characterising "
               f"and designing behaviour change interventions. Implementation Science 2011;6:42 (published 23 April 2011). {BCW_URL}. "
               "Definitions are paraphrased; commissioning examples are the project's own, based on the seed study "
               "(McSweeney et al. 2025, https://doi.org/10.1186/s12913-025-13215-5).\n")
    return "\n".join(out)


def functions_doc() -> str:
    tax = taxonomy()
    out = [_front("Behaviour Change Wheel: the nine intervention functions and how they map to COM-B", "Implementation Science (Michie, van Stralen and West)", 2011,
                  BCW_URL, "Open access article (licence not recorded here)",
                  f"Generated {WRITTEN} from assistant/comb/taxonomy.yaml (matrix A: Michie et al. 2011, Table 2, verified in three independent reproductions according to the project's source notes). Revised {REVISED}: links the 2014 guide appears to add (taxonomy.yaml, guide_2014_additions_unverified) are left out, as the notes could not check them against the book.")]
    out.append("## The Behaviour Change Wheel in brief\n\nThe Behaviour Change Wheel has three layers. At its hub sit the six COM-B "
               "sub-components, the sources of a behaviour. Around them are nine intervention functions, the broad ways an "
               "intervention can change behaviour. The outer ring holds seven policy categories, the kinds of decision by which "
               "an organisation can deliver those functions. A commissioner can use it to move from a diagnosis (what is "
               "missing) to a choice of response (what kind of intervention, delivered how).\n")
    for fn, info in tax["intervention_functions"].items():
        subs = [label(s).lower() for s in SUBCOMPONENTS if fn in tax["matrix_a"]["cells"][s]]
        where = ", ".join(subs) if subs else "no sub-component in the 2011 matrix"
        out.append(f"## Intervention function: {info['label']}\n\n{info['label']} as an intervention function: "
                   f"{info['definition'][0].lower()}{info['definition'][1:]} In the 2011 matrix it can address {where}.\n")
    rows = ["| COM-B sub-component | Intervention functions (2011) |", "|---|---|"]
    for sub in SUBCOMPONENTS:
        rows.append(f"| {label(sub)} | {', '.join(label(f) for f in tax['matrix_a']['cells'][sub])} |")
    out.append("## Matrix: COM-B sub-components and intervention functions (2011)\n\nThe 2011 paper's matrix links each COM-B "
               "sub-component to the functions likely to change it.\n\n" + "\n".join(rows) + "\n")
    out.append(f"## Source and citation\n\nMichie S, van Stralen MM, West R. Implementation Science 2011;6:42, Table 2. {BCW_URL}.\n")
    return "\n".join(out)


def policies_doc() -> str:
    tax = taxonomy()
    out = [_front("Behaviour Change Wheel: the seven policy categories and which intervention functions they deliver", "Implementation Science (Michie, van Stralen and West), with the guide by Michie, Atkins and West (Silverback Publishing, 2014)", 2011,
                  BCW_URL, "Open access article (licence not recorded here)",
                  f"Generated {WRITTEN} from assistant/comb/taxonomy.yaml. The seven categories are defined in the 2011 paper (year and link); the table of which functions each category delivers is the 2014 guide's Table 2.9 as given in the project's source notes, which mark each cell verified or not verified. Revised {REVISED}: only the verified cells are stated, in the per-category lists and the matrix (the unverified ones could not be checked against the book, so environmental/social planning has no function listed); the sentence on how the assistant orders levers moved out of the text. The guide is a book with no open URL.")]
    # only the links confirmed against a published reproduction of the guide's table: the others could not be checked
    confirmed = {f: [c for c, ok in cells.items() if ok] for f, cells in tax["matrix_b"]["cells"].items()}
    for cat, info in tax["policy_categories"].items():
        fns = [label(f).lower() for f, cats in confirmed.items() if cat in cats]
        reach = "usually within a local commissioner's reach" if info["local"] else "mostly a national lever"
        delivers = f" It can deliver these intervention functions: {', '.join(fns)}." if fns else ""
        out.append(f"## Policy category: {info['label']}\n\n{info['label']} as a policy category: {info['definition'][0].lower()}"
                   f"{info['definition'][1:]} For commissioners it is {reach}.{delivers}\n")
    header = "| Function | " + " | ".join(tax["policy_categories"][c]["label"] for c in tax["policy_categories"]) + " |"
    rows = [header, "|---" * (len(tax["policy_categories"]) + 1) + "|"]
    for fn, cats in confirmed.items():
        if cats:
            rows.append(f"| {label(fn)} | " + " | ".join("yes" if c in cats else "" for c in tax["policy_categories"]) + " |")
    out.append("## Matrix: intervention functions and policy categories\n\nWhich policy categories can deliver each "
               "function, from the 2014 guide's Table 2.9.\n\n" + "\n".join(rows) + "\n")
    local = ", ".join(label(c).lower() for c in tax["local_levers"])
    out.append(f"## Local and national levers\n\nFor a local commissioner the policy categories usually in reach are {local}. "
               "Fiscal measures, regulation and legislation are mostly set nationally, although a commissioner can still "
               "use them indirectly, for example through how a grant or contract is structured.\n")
    out.append(f"## Source and citation\n\nMichie S, Atkins L, West R. The Behaviour Change Wheel: A Guide to Designing "
               f"Interventions. Silverback Publishing, 2014, Table 2.9. Definitions "
               f"from Michie, van Stralen and West, Implementation Science 2011;6:42, {BCW_URL}.\n")
    return "\n".join(out)


def tdf_doc() -> str:
    tax = taxonomy()
    out = [_front("The Theoretical Domains Framework and how it maps to COM-B", "Implementation Science (Cane, O'Connor and Michie)", 2012,
                  TDF_URL, "Open access article (licence not recorded here)",
                  f"Generated {WRITTEN} from assistant/comb/taxonomy.yaml (TDF mapping as given in the project's source notes, com-b-bcw.md); the 2012 paper's abstract was read on a stored public copy on {WRITTEN} (112 constructs sorted by experts into 14 domains).")]
    out.append("## What the Theoretical Domains Framework is\n\nThe Theoretical Domains Framework (TDF) groups the many "
               "constructs of behaviour-change theory into 14 domains. Cane, O'Connor and Michie (2012) validated the refined "
               "version by asking behavioural experts to sort 112 theoretical constructs. Each domain sits under one or two "
               "COM-B sub-components, so the TDF gives a finer-grained checklist when diagnosing why commissioning stalls. "
               "When it is mapped to COM-B, the Skills domain is split in two: cognitive and interpersonal skills, and "
               "physical skills.\n")
    by_sub: dict[str, list[str]] = {s: [] for s in SUBCOMPONENTS}
    for domain, subs in tax["tdf"].items():
        for s in subs:
            by_sub[s].append(domain.replace("_", " "))
    for sub in SUBCOMPONENTS:
        info = tax["subcomponents"][sub]
        out.append(f"## TDF domains under {info['label'].lower()}\n\nUnder {info['label'].lower()} the TDF places: "
                   f"{'; '.join(by_sub[sub])}. Example for commissioning: {info['commissioning_example']}\n")
    both = [d.replace("_", " ") for d, subs in tax["tdf"].items() if len(subs) > 1]
    out.append(f"## Domains that sit under both kinds of motivation\n\nTwo TDF domains, {' and '.join(both)}, map to both "
               "reflective and automatic motivation, so a statement about them can carry either label.\n")
    out.append(f"## Source and citation\n\nCane J, O'Connor D, Michie S. Validation of the theoretical domains framework for use "
               f"in behaviour change and implementation research. Implementation Science 2012;7:37. {TDF_URL}.\n")
    return "\n".join(out)


DOCS = {
    "com-b-model.md": com_b,
    "bcw-intervention-functions.md": functions_doc,
    "bcw-policy-categories.md": policies_doc,
    "theoretical-domains-framework.md": tdf_doc,
}


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in DOCS.items():
        path = folder / name
        path.write_text(make(), "utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus/framework")):
        print(p)
