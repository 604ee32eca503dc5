#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks the Grafana dashboard: well-formed JSON, every panel and query on
# the datasource variable, and the metric names it queries exactly those
# of metrics.txt (a histogram through its _bucket, _sum and _count series).
# Usage: check.sh DIR (holding kferry.json and metrics.txt)
set -euo pipefail

dir=$1
python3 -m json.tool "$dir/kferry.json" >/dev/null
python3 - "$dir/kferry.json" "$dir/metrics.txt" <<'PY'
import json, re, sys

dash = json.load(open(sys.argv[1]))
known = {}
for line in open(sys.argv[2]):
    if line.strip() and not line.startswith("#"):
        name, kind = line.split()
        known[name] = kind

errors = []
series = set()
for n, k in known.items():
    series |= {n + s for s in ("_bucket", "_sum", "_count")} if k == "histogram" else {n}

exprs = []
ds = [v for v in dash["templating"]["list"] if v["type"] == "datasource"]
if len(ds) != 1 or ds[0]["query"] != "prometheus":
    errors.append("one datasource variable of type prometheus expected")
for v in dash["templating"]["list"]:
    if v["type"] == "query":
        exprs.append((v["name"], v["definition"]))
ids = set()
for p in dash["panels"]:
    if p["id"] in ids:
        errors.append("panel id %d used twice" % p["id"])
    ids.add(p["id"])
    if p["type"] == "row":
        continue
    if p.get("datasource", {}).get("uid") != "${datasource}":
        errors.append("panel %r does not use ${datasource}" % p["title"])
    if not p.get("targets"):
        errors.append("panel %r has no query" % p["title"])
    for t in p.get("targets", []):
        if t.get("datasource", {}).get("uid") != "${datasource}":
            errors.append("a query of %r does not use ${datasource}" % p["title"])
        exprs.append((p["title"], t["expr"]))

used = set()
for where, e in exprs:
    for m in re.findall(r"\bkferry_[a-z0-9_]+", e):
        if m not in series:
            errors.append("%r queries %s, which kferry does not serve" % (where, m))
        used.add(re.sub(r"_(bucket|sum|count)$", "", m) if m not in known else m)
for n in sorted(set(known) - used):
    errors.append("no panel shows %s" % n)

for e in errors:
    print("kferry.json: " + e, file=sys.stderr)
if errors:
    sys.exit(1)
print("kferry.json: valid; %d panels query the %d metrics of metrics.txt"
      % (len(ids), len(known)))
PY

# metrics.txt is the list docs/metrics.md documents.
doc=$dir/../../docs/metrics.md
if ! diff <(awk '!/^#/ && NF { print $1 }' "$dir/metrics.txt" | sort -u) \
    <(grep -oE '^\| `kferry_[a-z0-9_]+`' "$doc" | tr -d '|` ' | sort -u); then
    echo "$dir/metrics.txt and $doc list different metrics" >&2
    exit 1
fi
