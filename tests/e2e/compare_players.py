#!/usr/bin/env python3
"""Compares an /api/players document with crs_expect.py's figures.

Usage: compare_players.py API.json EXPECT.json
Checks, for every character the expectation names, the dice_roll count,
all 20 histogram buckets and damage_total, and that the API names no
character the file does not. Prints each difference; exits 1 on any.
"""
import json
import sys


def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        api = json.load(f)
    with open(argv[2], encoding="utf-8") as f:
        expect = json.load(f)["characters"]
    got = {p["player"]: p for p in api["players"]}
    problems = []
    for name, want in sorted(expect.items()):
        p = got.get(name)
        if p is None:
            problems.append(f"{name}: missing from the API")
            continue
        checks = [
            ("dice_roll", p["events"]["dice_roll"], want["dice_roll"]),
            ("histogram", p["d20"]["histogram"], want["histogram"]),
            ("damage_total", p["damage_total"], want["damage_total"]),
        ]
        for what, have, should in checks:
            if have != should:
                problems.append(f"{name}: {what} is {have}, expected {should}")
    for name in sorted(set(got) - set(expect)):
        problems.append(f"{name}: in the API but not in the file")
    for line in problems:
        print(line)
    print(f"compared {len(expect)} characters: {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
