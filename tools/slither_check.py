#!/usr/bin/env python3
"""Checks slither's JSON output against contracts/slither-triage.json.

Every finding of impact Medium or High must be triaged: fixed, or justified in the triage file
under the key (detector, contract, function). A finding whose key is not there fails the check.
Triage entries that match no finding are reported as stale (a warning, not a failure).
Usage: slither_check.py SLITHER_JSON TRIAGE_JSON
"""
import json
import sys

GATED = {"High", "Medium"}


def key_of(finding):
    """(detector, contract, function) of a finding: its first function element, else the
    function or contract that holds its first element."""
    contract = function = None
    for e in finding.get("elements", []):
        if e.get("type") == "function":
            function = e.get("name")
            contract = e.get("type_specific_fields", {}).get("parent", {}).get("name")
            break
    if function is None and finding.get("elements"):
        e = finding["elements"][0]
        if e.get("type") == "contract":
            contract = e.get("name")
        else:
            parent = e.get("type_specific_fields", {}).get("parent", {})
            if parent.get("type") == "function":
                function = parent.get("name")
                contract = parent.get("type_specific_fields", {}).get("parent", {}).get("name")
            else:
                contract = parent.get("name")
    return (finding.get("check"), contract or "", function or "")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        report = json.load(f)
    with open(sys.argv[2]) as f:
        triage = json.load(f)
    if not report.get("success", False):
        print(f"slither failed: {report.get('error')}", file=sys.stderr)
        return 1
    triaged = {(t["detector"], t["contract"], t["function"]) for t in triage["findings"]}
    findings = report.get("results", {}).get("detectors", [])
    gated = [f for f in findings if f.get("impact") in GATED]
    seen = set()
    untriaged = []
    for f in gated:
        k = key_of(f)
        seen.add(k)
        if k not in triaged:
            untriaged.append((k, f.get("impact"), f.get("description", "").splitlines()[0]))
    counts = {}
    for f in findings:
        counts[f.get("impact")] = counts.get(f.get("impact"), 0) + 1
    print(f"slither: {len(findings)} findings {counts}; {len(gated)} Medium or High, "
          f"{len(gated) - len(untriaged)} triaged")
    for k in sorted(triaged - seen):
        print(f"slither: stale triage entry (no such finding now): {k}")
    for k, impact, desc in untriaged:
        print(f"slither: UNTRIAGED {impact} {k}: {desc}", file=sys.stderr)
    return 1 if untriaged else 0


if __name__ == "__main__":
    sys.exit(main())
