"""Write the casing test set: the same drug, disease and gene names in three casings.

    /usr/bin/python3 testdata/casing/gen_casing.py      (writes lower.jsonl, initial.jsonl, title.jsonl here)

Every name below is written as it appears mid-sentence in running text
(lower case, except letters that belong to the name: cyclin D1); each gets one mid-sentence and
one sentence-opening template of its type (by its position in the list):

  lower    mid-sentence template, name in lower case    "... treated with metformin for ..."
  title    the same sentence, name in Title Case        "... treated with Metformin for ..."
  initial  sentence-opening template, first letter up   "Metformin was given to ..."

Templates contain no other drug, disease or gene, so each sentence has
exactly one gold entity (label chemical, disease or gene). Output: JSON lines
in the format `gliner eval` reads ({"text", "entities": [{"start", "end",
"label"}]}, offsets in code points). Deterministic; no randomness.
"""

import json
import os

CHEMICALS = [
    "metformin", "aspirin", "ivacaftor", "trastuzumab", "naproxen", "gefitinib", "imatinib", "ibuprofen",
    "paracetamol", "warfarin", "heparin", "cisplatin", "doxorubicin", "tamoxifen", "atorvastatin", "simvastatin",
    "lisinopril", "amlodipine", "omeprazole", "prednisone", "dexamethasone", "morphine", "fentanyl", "ketamine",
    "lithium", "valproate", "haloperidol", "clozapine", "amoxicillin", "vancomycin", "rifampicin", "methotrexate",
    "cyclophosphamide", "sildenafil", "levothyroxine", "nitroglycerin", "caffeine", "gabapentin", "sertraline",
    "furosemide",
]

DISEASES = [
    "cystic fibrosis", "type 2 diabetes", "breast cancer", "asthma", "hypertension", "rheumatoid arthritis",
    "multiple sclerosis", "lung cancer", "leukemia", "tuberculosis", "malaria", "pneumonia", "epilepsy",
    "schizophrenia", "hepatitis", "liver cirrhosis", "osteoporosis", "psoriasis", "migraine", "obesity", "anemia",
    "sepsis", "glaucoma", "heart failure", "atrial fibrillation", "chronic kidney disease", "ulcerative colitis",
    "sickle cell anemia", "muscular dystrophy", "melanoma", "colorectal cancer", "prostate cancer", "lymphoma",
    "stroke", "myocardial infarction", "depression", "autism", "dementia",
]

GENES = [
    "tumor necrosis factor", "insulin receptor", "epidermal growth factor receptor", "huntingtin", "dystrophin",
    "cystic fibrosis transmembrane conductance regulator", "interleukin 6", "interferon gamma",
    "vascular endothelial growth factor", "estrogen receptor", "androgen receptor", "glucokinase", "hemoglobin",
    "leptin", "erythropoietin", "thyroglobulin", "apolipoprotein E", "transferrin", "ferritin", "albumin",
    "fibrinogen", "thrombin", "caspase 3", "cyclin D1", "protein kinase C", "growth hormone", "prolactin",
    "alpha-synuclein", "myostatin", "osteocalcin", "collagen type I", "beta-catenin",
]

# (mid-sentence templates, sentence-opening templates); {} is the name.
TEMPLATES = {
    "chemical": ([
        "The patients were treated with {} for six months.",
        "We measured plasma levels of {} after a single oral dose.",
        "Daily use of {} was associated with fewer hospital visits.",
        "In this trial, {} was compared with placebo.",
        "Mice received {} by intraperitoneal injection.",
        "The dose of {} was reduced in elderly subjects.",
        "All volunteers took {} twice a day with food.",
    ], [
        "{} was given to all patients in the study.",
        "{} is widely used in clinical practice.",
        "{} reduced the response in a dose-dependent manner.",
        "{} was stopped after two weeks.",
        "{} was well tolerated by most subjects.",
    ]),
    "disease": ([
        "Many patients with {} were enrolled in the study.",
        "The prevalence of {} has increased over the last decade.",
        "This cohort included children diagnosed with {} at the clinic.",
        "Early screening for {} improves outcomes.",
        "The risk of {} was higher in smokers.",
        "We studied the genetic basis of {} in two families.",
    ], [
        "{} is a common cause of hospital admission.",
        "{} was diagnosed in twelve of the subjects.",
        "{} affects millions of people worldwide.",
        "{} remains difficult to treat.",
    ]),
    "gene": ([
        "We measured the expression of {} in liver tissue.",
        "Mutations in the gene encoding {} were found in both families.",
        "The antibody binds {} with high affinity.",
        "Levels of {} were measured by western blot.",
        "Cells lacking {} grew more slowly.",
        "The promoter of {} was cloned and sequenced.",
    ], [
        "{} was expressed in all tissues examined.",
        "{} binds to the promoter region in vitro.",
        "{} levels were lower in the treated group.",
        "{} was detected in the serum of all subjects.",
    ]),
}


def title(name):
    """Title Case: every word's first letter upper case ("type 2 diabetes" -> "Type 2 Diabetes",
    "alpha-synuclein" -> "Alpha-Synuclein"); the other letters are kept."""
    out, up = [], True
    for ch in name:
        out.append(ch.upper() if up else ch)
        up = not ch.isalnum()
    return "".join(out)


def initial(name):
    return name[:1].upper() + name[1:]


def doc(template, mention, label):
    text = template.format(mention)
    start = template.index("{}")
    return {"text": text, "entities": [{"start": start, "end": start + len(mention), "label": label}]}


def cases():
    """(case name -> list of documents) for the three casings."""
    out = {"lower": [], "title": [], "initial": []}
    for label, names in (("chemical", CHEMICALS), ("disease", DISEASES), ("gene", GENES)):
        mid, opening = TEMPLATES[label]
        for i, name in enumerate(names):
            out["lower"].append(doc(mid[i % len(mid)], name, label))
            out["title"].append(doc(mid[i % len(mid)], title(name), label))
            out["initial"].append(doc(opening[i % len(opening)], initial(name), label))
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for case, docs in cases().items():
        with open(os.path.join(here, case + ".jsonl"), "w", encoding="utf-8") as f:
            for d in docs:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
        print("%s: %d sentences" % (case, len(docs)))


if __name__ == "__main__":
    main()
