#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Expected per-character figures for a CritRoleStats "all rolls" CSV.

An independent reading of the file with Python's csv module, kept apart
from the C importer so the end-to-end tests compare two implementations.
It does not talk to Kafka or to dndtrack; it only reads FILE and prints
one JSON object on stdout.

Usage: crs_expect.py FILE

Output: {"rows": N, "characters": {NAME: {"dice_roll": N,
         "histogram": [20 counts of natural 1..20], "damage_total": N}}}
"""

import csv
import json
import sys


def as_int(text):
    """The integer written in text, or None for "null" or anything else."""
    try:
        return int(text)
    except ValueError:
        return None


def expect(path):
    characters = {}
    rows = 0
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows += 1
            name = row["Character"]
            c = characters.setdefault(
                name, {"dice_roll": 0, "histogram": [0] * 20,
                       "damage_total": 0})
            c["dice_roll"] += 1
            natural = as_int(row["Natural Roll"])
            if row["D20?"] == "Yes" and natural is not None \
                    and 1 <= natural <= 20:
                c["histogram"][natural - 1] += 1
            total = as_int(row["Total Roll"])
            if row["Type of Roll"] == "Damage" and total is not None:
                c["damage_total"] += total
    return {"rows": rows, "characters": characters}


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: crs_expect.py FILE\n")
        return 2
    try:
        result = expect(argv[1])
    except KeyError as e:
        sys.stderr.write("crs_expect.py: %s: no column %s\n" % (argv[1], e))
        return 1
    except (OSError, csv.Error, UnicodeDecodeError) as e:
        sys.stderr.write("crs_expect.py: %s: %s\n" % (argv[1], e))
        return 1
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
