#!/usr/bin/env python3
"""Writes events in the original project's format and counts them.

Usage: gen_original.py COUNT SEED EVENTS_OUT EXPECT_OUT
EVENTS_OUT gets one JSON event per line, as the original Python producer
sent them; EXPECT_OUT gets, per player, the count of each event type and
the d20 histogram, counted here while writing, with no dndtrack code.
"""
import json
import random
import sys

PLAYERS = ["Stravos", "Ya", "Sylas", "Wurs"]
MONSTERS = ["Goblin", "Orc", "Dragon", "Beholder"]
SPELLS = ["Fireball", "Shield", "Magic Missile", "Cure Wounds"]
DICE = ["d4", "d6", "d8", "d10", "d12", "d20"]
CONTEXTS = ["attack_roll", "saving_throw", "skill_check"]


def main(argv):
    count, rng = int(argv[1]), random.Random(int(argv[2]))
    expect = {}
    with open(argv[3], "w", encoding="utf-8") as out:
        for i in range(count):
            player = rng.choice(PLAYERS)
            kind = rng.choice(["dice_roll", "encounter", "spell_cast"])
            stamp = f"2025-02-24T20:{i // 60 % 60:02d}:{i % 60:02d}Z"
            ev = {"timestamp": stamp, "player": player, "event_type": kind}
            mine = expect.setdefault(player, {
                "dice_roll": 0, "encounter": 0, "spell_cast": 0,
                "histogram": [0] * 20})
            mine[kind] += 1
            if kind == "dice_roll":
                die = rng.choice(DICE)
                roll = rng.randint(1, int(die[1:]))
                ev.update(dice_type=die, roll_result=roll,
                          context=rng.choice(CONTEXTS))
                if die == "d20":
                    mine["histogram"][roll - 1] += 1
            elif kind == "encounter":
                ev.update(monster_type=rng.choice(MONSTERS),
                          location="cave", initiative_order=rng.randint(1, 20))
            else:
                ev.update(spell_name=rng.choice(SPELLS), target="enemy",
                          effect="damage")
            out.write(json.dumps(ev) + "\n")
    with open(argv[4], "w", encoding="utf-8") as f:
        json.dump(expect, f)


if __name__ == "__main__":
    main(sys.argv)
