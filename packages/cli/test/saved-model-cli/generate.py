"""Runs TensorFlow's own `saved_model_cli show --all` on a few fixtures and stores what it printed
(tag sets; every SignatureDef: method name, inputs and outputs with dtype, shape and tensor name;
the ops of each meta graph; the "Concrete Functions" section: function names, one option per
concrete function, each argument's TensorSpec or Python value) as show-all.json, for saved-model-cli.test.ts. Run with TensorFlow installed:
    /work/tfvenv/bin/python packages/cli/test/saved-model-cli/generate.py /work/shared/fixtures/savedmodels
"""
import json
import os
import re
import subprocess
import sys

FIXTURES = [
    "tfmodule-two-signatures-ref",
    "tfmodule-uint8-input-ref",
    "textvectorization-embedding-tf212",
    "legacy-tf24-intlookup-18-inputs",
    "vae-encoder-multi-output",
    "tf20beta-export-saved-model-assets",
    "tfagents-policy-cartpole",
]
HERE = os.path.dirname(os.path.abspath(__file__))
CLI = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")


def parse(text):
    graphs = []
    sig = tensor = None
    functions = None  # after "Concrete Functions:" (saved_model_cli prints it once, for the default meta graph)
    for line in text.splitlines():
        m = re.match(r"MetaGraphDef with tag-set: '(.*)' contains the following SignatureDefs:", line)
        if m:
            graphs.append({"tags": m.group(1).split(", "), "signatures": {}})
            continue
        m = re.match(r"The MetaGraph with tag set \[(.*)\] contains the following ops: \{(.*)\}$", line)
        if m:
            graphs[-1]["ops"] = sorted(o.strip().strip("'") for o in m.group(2).split(",") if o.strip())
            sig = None
            continue
        if line.startswith("Concrete Functions:"):
            sig = None
            functions = {} if "N/A" not in line else None
            if functions is not None:
                graphs[0]["functions"] = functions
            continue
        if functions is not None:
            m = re.match(r"  Function Name: '(.*)'$", line)
            if m:
                fn = functions[m.group(1)] = []
                continue
            if re.match(r"    Option #\d+$", line):
                fn.append([])
                continue
            if re.match(r"        (Named )?Argument #\d+$", line):
                fn[-1].append({})
                continue
            m = re.match(r"          (\w+): TensorSpec\(shape=(.*), dtype=tf\.(\w+), name=(.*)\)$", line)
            if m:
                fn[-1][-1].update({"name": m.group(1), "shape": m.group(2), "dtype": m.group(3)})
                continue
            m = re.match(r"          (DType|Value): (.*)$", line)
            if m:
                fn[-1][-1][m.group(1).lower()] = m.group(2)
            continue
        m = re.match(r"signature_def\['(.*)'\]:$", line)
        if m:
            sig = {"method": None, "inputs": {}, "outputs": {}}
            graphs[-1]["signatures"][m.group(1)] = sig
            continue
        if sig is None:
            continue
        m = re.match(r"\s+(inputs|outputs)\['(.*)'\] tensor_info:$", line)
        if m:
            tensor = sig[m.group(1)][m.group(2)] = {}
            continue
        m = re.match(r"\s+(dtype|shape|name): (.*)$", line)
        if m and tensor is not None:
            tensor[m.group(1)] = m.group(2)
            continue
        m = re.match(r"\s+Method name is: ?(.*)$", line)
        if m:
            sig["method"] = m.group(1)
            tensor = None
    return graphs


out = {}
for slug in FIXTURES:
    text = subprocess.run([CLI, "show", "--all", "--dir", os.path.join(sys.argv[1], slug)], capture_output=True, text=True, check=True).stdout
    out[slug] = parse(text)
with open(os.path.join(HERE, "show-all.json"), "w") as f:
    json.dump({"tool": "saved_model_cli show --all (TensorFlow 2.21)", "models": out}, f, indent=1)
print({k: sum(len(g["signatures"]) for g in v) for k, v in out.items()})
