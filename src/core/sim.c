/* SPDX-License-Identifier: MIT */
/*
 * Simulation tables and the draw: an event type first, uniformly among the
 * three of the original project, then the fields of that type.
 */
#include "core/sim.h"

#include <stdio.h>

#define SIM_COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *const sim_default_players[] = {"Stravos", "Ya", "Sylas", "Wurs"};
const size_t sim_default_nplayers = SIM_COUNT(sim_default_players);

static const char *const sim_monsters[] = {"Goblin", "Orc", "Dragon",
                                           "Beholder"};
static const char *const sim_locations[] = {"cave", "forest", "dungeon",
                                            "castle"};
static const char *const sim_spells[] = {"Fireball", "Shield", "Magic Missile",
                                         "Cure Wounds"};
static const char *const sim_targets[] = {"enemy", "self", "ally"};
static const char *const sim_effects[] = {"damage", "protection", "healing"};
static const char *const sim_contexts[] = {"attack_roll", "saving_throw",
                                           "skill_check"};
static const int sim_dice[] = {4, 6, 8, 10, 12, 20};

void sim_init(struct sim *s, const char *const *players, size_t nplayers,
              unsigned long long seed)
{
    dice_seed(&s->rng, seed);
    s->players = players;
    s->nplayers = nplayers;
}

static const char *sim_pick(struct sim *s, const char *const *list, size_t n)
{
    return list[dice_pick(&s->rng, n)];
}

#define SIM_PICK(s, list) sim_pick((s), (list), SIM_COUNT(list))

static int sim_dice_roll(struct sim *s, json_t *ev)
{
    int sides = sim_dice[dice_pick(&s->rng, SIM_COUNT(sim_dice))];
    char name[8];

    snprintf(name, sizeof(name), "d%d", sides);
    return json_object_set_new(ev, "dice_type", json_string(name)) |
           json_object_set_new(ev, "roll_result",
                               json_integer(dice_roll(&s->rng, sides))) |
           json_object_set_new(ev, "context",
                               json_string(SIM_PICK(s, sim_contexts)));
}

static int sim_encounter(struct sim *s, json_t *ev)
{
    return json_object_set_new(ev, "monster_type",
                               json_string(SIM_PICK(s, sim_monsters))) |
           json_object_set_new(ev, "location",
                               json_string(SIM_PICK(s, sim_locations))) |
           json_object_set_new(ev, "initiative_order",
                               json_integer(dice_roll(&s->rng, 20)));
}

static int sim_spell_cast(struct sim *s, json_t *ev)
{
    return json_object_set_new(ev, "spell_name",
                               json_string(SIM_PICK(s, sim_spells))) |
           json_object_set_new(ev, "target",
                               json_string(SIM_PICK(s, sim_targets))) |
           json_object_set_new(ev, "effect",
                               json_string(SIM_PICK(s, sim_effects)));
}

json_t *sim_next(struct sim *s, const char *timestamp)
{
    json_t *ev = json_object();
    const char *player = sim_pick(s, s->players, s->nplayers);
    uint64_t kind = dice_pick(&s->rng, 3);
    int rc = 0;

    if (!ev)
        return NULL;
    if (timestamp)
        rc |= json_object_set_new(ev, "timestamp", json_string(timestamp));
    rc |= json_object_set_new(ev, "player", json_string(player));
    if (kind == 0) {
        rc |= json_object_set_new(ev, "event_type", json_string("dice_roll"));
        rc |= sim_dice_roll(s, ev);
    } else if (kind == 1) {
        rc |= json_object_set_new(ev, "event_type", json_string("encounter"));
        rc |= sim_encounter(s, ev);
    } else {
        rc |= json_object_set_new(ev, "event_type", json_string("spell_cast"));
        rc |= sim_spell_cast(s, ev);
    }
    if (rc) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}
