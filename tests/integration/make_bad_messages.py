#!/usr/bin/env python3
"""Writes one file per message, valid and bad ones interleaved.

Usage: make_bad_messages.py DIR
Each file DIR/NN-valid-* or DIR/NN-bad-* holds the exact bytes of one
message; NN gives the order. An empty file stands for a null value (sent
with kcat -Z). DIR/expect.json lists, per player, the valid events by
type, hand-derived from the list below.
"""
import json
import os
import sys


def ev(player, kind="dice_roll", **more):
    d = {"timestamp": "2025-02-24T20:30:00Z", "player": player,
         "event_type": kind}
    d.update(more)
    return json.dumps(d).encode()


def main(argv):
    out = argv[1]
    long_name = "N" * 10240
    messages = [
        ("valid", ev("Stravos", dice_type="d20", roll_result=15,
                     context="attack_roll")),
        ("bad", b""),  # null value, sent with -Z
        ("valid", ev("Wurs", "encounter", monster_type="Goblin")),
        ("bad", b'{"player": "Y\xa2", "event_type": "dice_roll"}'),
        ("valid", ev("Ya", "spell_cast", spell_name="Fireball")),
        ("bad", b'{"player": "Sylas", "event_type": "dice_ro'),
        ("bad", b"this is not json"),
        ("bad", b'["player", "Ya"]'),
        ("bad", b'{"event_type": "dice_roll"}'),
        ("bad", b'{"player": "", "event_type": "dice_roll"}'),
        ("bad", b'{"player": 42, "event_type": "dice_roll"}'),
        ("bad", b'{"player": "Ya", "event_type": "dice_roll", '
                b'"roll_result": "fifteen"}'),
        ("bad", b'{"player": "Ya", "event_type": "dice_roll", '
                b'"roll_result": 123456789012345678901234567890}'),
        ("bad", b"[" * 10000 + b"]" * 10000),
        ("valid", ev("Ya", "long_rest")),
        ("valid", ev(long_name, dice_type="d20", roll_result=20)),
        ("bad", ev("Stravos", notes="x" * (3 * 1024 * 1024))),
        ("valid", ev("Stravos", dice_type="d6", roll_result=4,
                     context="damage")),
    ]
    expect = {}
    for i, (kind, data) in enumerate(messages):
        with open(os.path.join(out, f"{i:02d}-{kind}"), "wb") as f:
            f.write(data)
        if kind == "valid":
            d = json.loads(data)
            t = d["event_type"]
            t = t if t in ("dice_roll", "encounter", "spell_cast") else "other"
            counts = expect.setdefault(d["player"], {
                "dice_roll": 0, "encounter": 0, "spell_cast": 0, "other": 0})
            counts[t] += 1
    with open(os.path.join(out, "expect.json"), "w") as f:
        json.dump({"players": expect, "total": len(messages),
                   "bad": sum(k == "bad" for k, _ in messages)}, f)


if __name__ == "__main__":
    main(sys.argv)
