#!/usr/bin/env python3
"""Checks dndtrack's figures against gen_original.py's own counts.

Usage: compare_counts.py FIGURES EXPECT TOTAL
FIGURES is the JSON of /api/players or of `consume -e`; EXPECT is the
per-player file gen_original.py wrote; TOTAL is how many events were sent.
The figures must hold exactly TOTAL messages, none invalid, the same
players, and for each player the same dice_roll, encounter and spell_cast
counts and the same d20 histogram. Prints every difference, or one line
saying all are equal; exits 1 on any difference.
"""
import json
import sys


def differences(got_doc, expect, total):
    bad = []
    if got_doc.get("messages") != total:
        bad.append(f"messages {got_doc.get('messages')} != {total}")
    if got_doc.get("invalid") != 0:
        bad.append(f"invalid {got_doc.get('invalid')} != 0")
    got = {p["player"]: p for p in got_doc.get("players", [])}
    if set(got) != set(expect):
        bad.append(f"players {sorted(got)} != {sorted(expect)}")
    for name in sorted(expect):
        want = expect[name]
        have = got.get(name, {})
        events = have.get("events", {})
        for kind in ("dice_roll", "encounter", "spell_cast"):
            if events.get(kind) != want[kind]:
                bad.append(f"{name} {kind}: {events.get(kind)} != {want[kind]}")
        if events.get("other", 0) != 0:
            bad.append(f"{name} other: {events.get('other')} != 0")
        hist = have.get("d20", {}).get("histogram")
        if hist != want["histogram"]:
            bad.append(f"{name} d20 histogram: {hist} != {want['histogram']}")
    return bad


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        got_doc = json.load(f)
    with open(argv[2], encoding="utf-8") as f:
        expect = json.load(f)
    bad = differences(got_doc, expect, int(argv[3]))
    print("\n".join(bad) if bad else "all counts equal")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
