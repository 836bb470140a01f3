/* SPDX-License-Identifier: MIT */
/*
 * SQLite behind state.h. The file runs in WAL mode with full syncs, so a
 * committed checkpoint survives a crash of the process or the machine, and
 * readers in other consumers never block the writer for long. A file that
 * is damaged, newer or someone else's is refused, never silently
 * replaced: only an explicit reset deletes it.
 */
#include "store/state.h"

#include <errno.h>
#include <limits.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errbuf.h"

/* How long to wait for another consumer's transaction, in ms. */
#define STATE_BUSY_MS 10000

struct state_db {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *get;         /* a partition's counts */
    sqlite3_stmt *put;         /* a partition's counts */
    sqlite3_stmt *get_players; /* a partition's players */
    sqlite3_stmt *put_player;  /* one player */
    int in_tx;
};

static const char state_schema[] =
    "CREATE TABLE IF NOT EXISTS meta("
    " key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS partitions("
    " partition INTEGER PRIMARY KEY,"
    " next_offset INTEGER NOT NULL,"
    " messages INTEGER NOT NULL,"
    " invalid INTEGER NOT NULL,"
    " saved_at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS players("
    " partition INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " figures TEXT NOT NULL,"
    " PRIMARY KEY(partition, name));";

/* Our code for an SQLite result, by what the user can do about it. */
static int state_code(int sqlite_rc)
{
    switch (sqlite_rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return STATE_ELOCKED;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return STATE_ECORRUPT;
    case SQLITE_NOMEM:
        return STATE_ENOMEM;
    case SQLITE_CANTOPEN:
        return STATE_EOPEN;
    default:
        return STATE_EWRITE;
    }
}

/* A failure of an SQLite call on db, with what to do about it. */
static int state_sql_fail(struct state_db *db, int sqlite_rc, char *err,
                          size_t errlen, const char *what)
{
    int rc = state_code(sqlite_rc);
    const char *hint =
        rc == STATE_ECORRUPT  ? "; move it away, or start over with "
                                "--reset-state"
        : rc == STATE_ELOCKED ? "; another process holds it"
                              : "; is its folder (DND_STATE_DIR) writable, "
                                "with room left?";

    return errbuf_set(rc, err, errlen, "state file %s: %s: %s%s", db->path,
                      what, sqlite3_errmsg(db->db), hint);
}

/* Appends name to buf, escaping all but [A-Za-z0-9._-] as %XX. */
static void state_escape(char *buf, size_t size, const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(buf);

    for (; *name && n + 4 < size; name++) {
        unsigned char c = (unsigned char)*name;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-') {
            buf[n++] = (char)c;
        } else {
            buf[n++] = '%';
            buf[n++] = hex[c >> 4];
            buf[n++] = hex[c & 15];
        }
    }
    buf[n] = '\0';
}

/* Creates dir and its parents, like mkdir -p. */
static int state_mkdirs(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    size_t i, n = strlen(dir);

    if (n == 0 || n >= sizeof(path))
        return errbuf_set(STATE_EOPEN, err, errlen,
                          "state folder name is empty or too long");
    memcpy(path, dir, n + 1);
    for (i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return errbuf_set(STATE_EOPEN, err, errlen,
                              "cannot create state folder %s: %s", path,
                              strerror(errno));
        path[i] = i < n ? '/' : '\0';
    }
    return 0;
}

/* Deletes the file and its WAL companions. */
static int state_remove(const char *path, char *err, size_t errlen)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    char name[4200];
    size_t i;

    for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
        if (unlink(name) != 0 && errno != ENOENT)
            return errbuf_set(STATE_EWRITE, err, errlen, "cannot delete %s: %s",
                              name, strerror(errno));
    }
    return 0;
}

/* Reads meta key into out (size bytes); 1 found, 0 absent, or an error. */
static int state_meta_get(struct state_db *db, const char *key, char *out,
                          size_t size, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->db, "SELECT value FROM meta WHERE key = ?",
                                -1, &st, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        snprintf(out, size, "%s", v ? (const char *)v : "");
        sqlite3_finalize(st);
        return 1;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    return state_sql_fail(db, rc, err, errlen, "reading its header");
}

static int state_meta_put(struct state_db *db, const char *key,
                          const char *value, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        db->db, "INSERT INTO meta(key, value) VALUES(?, ?)", -1, &st, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    return state_sql_fail(db, rc, err, errlen, "writing its header");
}

/* Marks the file as written in this build's format. */
static int state_meta_schema(struct state_db *db, char *err, size_t errlen)
{
    char version[16];
    int rc;

    snprintf(version, sizeof(version), "%d", STATE_SCHEMA);
    rc = sqlite3_exec(db->db, "DELETE FROM meta WHERE key = 'schema'", NULL,
                      NULL, NULL);
    if (rc != SQLITE_OK)
        return state_sql_fail(db, rc, err, errlen, "writing its header");
    return state_meta_put(db, "schema", version, err, errlen);
}

/* The error for a format 1 partition whose figures cannot be split. */
static int state_v1_damaged(struct state_db *db, sqlite3_int64 partition,
                            char *err, size_t errlen)
{
    return errbuf_set(STATE_ECORRUPT, err, errlen,
                      "state file %s: partition %lld of its format 1 "
                      "figures is damaged and cannot be upgraded; move it "
                      "away, or start over with --reset-state",
                      db->path, (long long)partition);
}

/*
 * Splits one format 1 partition text, {"v": 1, "players": [{"name", ...},
 * ...]}, into player rows through the statement ins. Each player's object
 * is kept as it was; the loader checks it when the partition comes back.
 */
static int state_v1_split(struct state_db *db, sqlite3_stmt *ins,
                          sqlite3_int64 partition, const char *text, char *err,
                          size_t errlen)
{
    json_t *doc = json_loads(text, 0, NULL);
    json_t *players = json_object_get(doc, "players");
    size_t i;
    int rc = json_is_array(players) ? SQLITE_DONE : SQLITE_MISMATCH;

    for (i = 0; rc == SQLITE_DONE && i < json_array_size(players); i++) {
        json_t *player = json_array_get(players, i);
        const char *name = json_string_value(json_object_get(player, "name"));
        char *figures = name ? json_dumps(player, JSON_COMPACT) : NULL;

        rc = figures ? SQLITE_OK : name ? SQLITE_NOMEM : SQLITE_MISMATCH;
        sqlite3_reset(ins);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_int64(ins, 1, partition);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_text(ins, 2, name, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_text(ins, 3, figures, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(ins);
        sqlite3_reset(ins);
        free(figures);
    }
    json_decref(doc);
    if (rc == SQLITE_DONE)
        return 0;
    /* A name twice, or no name: damaged, like an unreadable text. */
    if (rc == SQLITE_MISMATCH || (rc & 0xff) == SQLITE_CONSTRAINT)
        return state_v1_damaged(db, partition, err, errlen);
    return state_sql_fail(db, rc, err, errlen, "upgrading it");
}

/*
 * Rewrites a format 1 file as format 2, inside the transaction of
 * state_open(): every partition's text becomes rows of its players, the
 * text's column goes, and the header says 2. A failure rolls it all back,
 * so the file stays as it was.
 */
static int state_upgrade_v1(struct state_db *db, char *err, size_t errlen)
{
    sqlite3_stmt *sel = NULL, *ins = NULL;
    int rc = sqlite3_prepare_v2(
        db->db, "SELECT partition, stats FROM partitions", -1, &sel, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db->db,
                                "INSERT INTO players(partition, name, "
                                "figures) VALUES(?, ?, ?)",
                                -1, &ins, NULL);
    if (rc != SQLITE_OK) {
        rc = state_sql_fail(db, rc, err, errlen, "upgrading it");
        goto out;
    }
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        const unsigned char *text = sqlite3_column_text(sel, 1);
        sqlite3_int64 partition = sqlite3_column_int64(sel, 0);

        rc = text ? state_v1_split(db, ins, partition, (const char *)text, err,
                                   errlen)
                  : state_v1_damaged(db, partition, err, errlen);
        if (rc)
            goto out;
    }
    if (rc != SQLITE_DONE) {
        rc = state_sql_fail(db, rc, err, errlen, "upgrading it");
        goto out;
    }
    rc = sqlite3_exec(db->db, "ALTER TABLE partitions DROP COLUMN stats", NULL,
                      NULL, NULL);
    rc = rc == SQLITE_OK ? state_meta_schema(db, err, errlen)
                         : state_sql_fail(db, rc, err, errlen, "upgrading it");
out:
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    return rc;
}

/* Checks that the file is group's, reading topic. */
static int state_check_owner(struct state_db *db, const char *group,
                             const char *topic, char *err, size_t errlen)
{
    const char *const keys[2] = {"topic", "group"};
    const char *const want[2] = {topic, group};
    char have[1024];
    int i, rc;

    for (i = 0; i < 2; i++) {
        rc = state_meta_get(db, keys[i], have, sizeof(have), err, errlen);
        if (rc < 0)
            return rc;
        if (rc == 0 || strcmp(have, want[i]) != 0)
            return errbuf_set(STATE_ETOPIC, err, errlen,
                              "state file %s holds %s '%s', not '%s'; use "
                              "another DND_STATE_DIR, or start over with "
                              "--reset-state",
                              db->path, keys[i], rc ? have : "?", want[i]);
    }
    return 0;
}

/* Creates the tables, or checks an existing file's header: version,
 * group and topic. */
static int state_check(struct state_db *db, const char *group,
                       const char *topic, char *err, size_t errlen)
{
    char schema[32], version[16];
    char *end;
    long v;
    int rc;

    rc = sqlite3_exec(db->db, state_schema, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return state_sql_fail(db, rc, err, errlen, "creating its tables");
    rc = state_meta_get(db, "schema", schema, sizeof(schema), err, errlen);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        snprintf(version, sizeof(version), "%d", STATE_SCHEMA);
        rc = state_meta_put(db, "schema", version, err, errlen);
        if (!rc)
            rc = state_meta_put(db, "group", group, err, errlen);
        if (!rc)
            rc = state_meta_put(db, "topic", topic, err, errlen);
        return rc;
    }
    v = strtol(schema, &end, 10);
    if (end == schema || *end || v < 1)
        return errbuf_set(STATE_ECORRUPT, err, errlen,
                          "state file %s: unreadable version '%s'; move it "
                          "away, or start over with --reset-state",
                          db->path, schema);
    if (v > STATE_SCHEMA)
        return errbuf_set(STATE_EVERSION, err, errlen,
                          "state file %s was written by a newer dndtrack "
                          "(format %ld, this one reads %d); use that "
                          "version, or start over with --reset-state",
                          db->path, v, STATE_SCHEMA);
    rc = state_check_owner(db, group, topic, err, errlen);
    if (!rc && v == 1)
        rc = state_upgrade_v1(db, err, errlen);
    return rc;
}

/* Settings and the integrity check of a freshly opened file. */
static int state_prepare(struct state_db *db, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc;

    /*
     * A checkpoint rewrites the pages of every player that changed, so
     * the log is copied back into the file as soon as it holds 16 pages,
     * not SQLite's 1000: the folder then needs room for the file and
     * about one checkpoint, not 4 MB more.
     */
    sqlite3_busy_timeout(db->db, STATE_BUSY_MS);
    rc = sqlite3_exec(db->db,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                      "PRAGMA wal_autocheckpoint=16;",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return state_sql_fail(db, rc, err, errlen, "opening it");
    rc = sqlite3_prepare_v2(db->db, "PRAGMA quick_check", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW &&
        strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
        sqlite3_finalize(st);
        return errbuf_set(STATE_ECORRUPT, err, errlen,
                          "state file %s is damaged; move it away, or "
                          "start over with --reset-state",
                          db->path);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return state_sql_fail(db, rc, err, errlen, "checking it");
    return 0;
}

static int state_statements(struct state_db *db, char *err, size_t errlen)
{
    int rc = sqlite3_prepare_v2(db->db,
                                "SELECT next_offset, messages, invalid "
                                "FROM partitions WHERE partition = ?",
                                -1, &db->get, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(
            db->db,
            "INSERT OR REPLACE INTO partitions(partition, next_offset, "
            "messages, invalid, saved_at) "
            "VALUES(?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            -1, &db->put, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db->db,
                                "SELECT name, figures FROM players "
                                "WHERE partition = ?",
                                -1, &db->get_players, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db->db,
                                "INSERT OR REPLACE INTO players(partition, "
                                "name, figures) VALUES(?, ?, ?)",
                                -1, &db->put_player, NULL);
    if (rc != SQLITE_OK)
        return state_sql_fail(db, rc, err, errlen, "preparing statements");
    return 0;
}

int state_open(const char *dir, const char *group, const char *topic, int reset,
               struct state_db **out, char *err, size_t errlen)
{
    struct state_db *db = calloc(1, sizeof(*db));
    char path[4096];
    int rc;

    if (!db)
        return errbuf_set(STATE_ENOMEM, err, errlen, "out of memory");
    snprintf(path, sizeof(path), "%s/", dir);
    state_escape(path, sizeof(path), group);
    rc = state_mkdirs(path, err, errlen);
    if (rc)
        goto fail;
    snprintf(path + strlen(path), sizeof(path) - strlen(path), "/");
    state_escape(path, sizeof(path), topic);
    snprintf(path + strlen(path), sizeof(path) - strlen(path), ".db");
    db->path = strdup(path);
    if (!db->path) {
        rc = errbuf_set(STATE_ENOMEM, err, errlen, "out of memory");
        goto fail;
    }
    rc = reset ? state_remove(path, err, errlen) : 0;
    if (rc)
        goto fail;

    rc = sqlite3_open_v2(path, &db->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        rc = errbuf_set(state_code(rc), err, errlen,
                        "cannot open state file %s: %s", path,
                        db->db ? sqlite3_errmsg(db->db) : "out of memory");
        goto fail;
    }
    rc = state_prepare(db, err, errlen);
    if (!rc)
        rc = state_begin(db, err, errlen);
    if (!rc) {
        rc = state_check(db, group, topic, err, errlen);
        if (rc)
            state_rollback(db);
        else
            rc = state_commit(db, err, errlen);
    }
    if (!rc)
        rc = state_statements(db, err, errlen);
    if (rc)
        goto fail;
    *out = db;
    return 0;
fail:
    state_close(db);
    return rc;
}

const char *state_path(const struct state_db *db)
{
    return db->path;
}

int state_load(struct state_db *db, int32_t partition,
               struct state_partition *out, char *err, size_t errlen)
{
    int rc;

    memset(out, 0, sizeof(*out));
    sqlite3_reset(db->get);
    rc = sqlite3_bind_int64(db->get, 1, partition);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(db->get);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW)
        return state_sql_fail(db, rc, err, errlen, "reading a partition");

    out->next_offset = sqlite3_column_int64(db->get, 0);
    out->messages = (unsigned long long)sqlite3_column_int64(db->get, 1);
    out->invalid = (unsigned long long)sqlite3_column_int64(db->get, 2);
    rc = out->next_offset < 0 || sqlite3_column_int64(db->get, 1) < 0 ||
         sqlite3_column_int64(db->get, 2) < 0;
    sqlite3_reset(db->get);
    if (rc)
        return errbuf_set(STATE_ECORRUPT, err, errlen,
                          "state file %s: partition %d holds impossible "
                          "values; move it away, or start over with "
                          "--reset-state",
                          db->path, (int)partition);
    return 1;
}

int state_each_player(struct state_db *db, int32_t partition,
                      int (*fn)(const char *name, const char *figures,
                                void *arg),
                      void *arg, char *err, size_t errlen)
{
    const unsigned char *name, *figures;
    int rc;

    sqlite3_reset(db->get_players);
    rc = sqlite3_bind_int64(db->get_players, 1, partition);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(db->get_players);
        if (rc != SQLITE_ROW)
            break;
        name = sqlite3_column_text(db->get_players, 0);
        figures = sqlite3_column_text(db->get_players, 1);
        if (!name || !figures) {
            sqlite3_reset(db->get_players);
            return errbuf_set(STATE_ECORRUPT, err, errlen,
                              "state file %s: a player of partition %d "
                              "has no name or figures; move it away, or "
                              "start over with --reset-state",
                              db->path, (int)partition);
        }
        rc = fn((const char *)name, (const char *)figures, arg);
        if (rc) {
            sqlite3_reset(db->get_players);
            return rc;
        }
        rc = SQLITE_ROW;
    }
    sqlite3_reset(db->get_players);
    if (rc != SQLITE_DONE)
        return state_sql_fail(db, rc, err, errlen, "reading a partition");
    return 0;
}

int state_begin(struct state_db *db, char *err, size_t errlen)
{
    /* IMMEDIATE takes the write lock now, so a busy file fails here. */
    int rc = sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

    if (rc != SQLITE_OK)
        return state_sql_fail(db, rc, err, errlen, "starting a transaction");
    db->in_tx = 1;
    return 0;
}

int state_put(struct state_db *db, int32_t partition,
              const struct state_partition *p, char *err, size_t errlen)
{
    int rc;

    sqlite3_reset(db->put);
    rc = sqlite3_bind_int64(db->put, 1, partition);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(db->put, 2, p->next_offset);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(db->put, 3, (sqlite3_int64)p->messages);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(db->put, 4, (sqlite3_int64)p->invalid);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(db->put);
    sqlite3_reset(db->put);
    if (rc != SQLITE_DONE)
        return state_sql_fail(db, rc, err, errlen, "saving a partition");
    return 0;
}

int state_put_player(struct state_db *db, int32_t partition, const char *name,
                     const char *figures, size_t len, char *err, size_t errlen)
{
    int rc = len > INT_MAX ? SQLITE_TOOBIG : SQLITE_OK;

    sqlite3_reset(db->put_player);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(db->put_player, 1, partition);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(db->put_player, 2, name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(db->put_player, 3, figures, (int)len,
                               SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(db->put_player);
    sqlite3_reset(db->put_player);
    sqlite3_clear_bindings(db->put_player);
    if (rc != SQLITE_DONE)
        return state_sql_fail(db, rc, err, errlen, "saving a player");
    return 0;
}

int state_commit(struct state_db *db, char *err, size_t errlen)
{
    int rc = sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL);

    if (rc != SQLITE_OK) {
        rc = state_sql_fail(db, rc, err, errlen, "committing");
        state_rollback(db);
        return rc;
    }
    db->in_tx = 0;
    return 0;
}

void state_rollback(struct state_db *db)
{
    if (db->in_tx)
        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
    db->in_tx = 0;
}

void state_close(struct state_db *db)
{
    if (!db)
        return;
    state_rollback(db);
    sqlite3_finalize(db->get);
    sqlite3_finalize(db->put);
    sqlite3_finalize(db->get_players);
    sqlite3_finalize(db->put_player);
    sqlite3_close(db->db);
    free(db->path);
    free(db);
}

const char *state_strerror(int err)
{
    switch (err) {
    case STATE_OK:
        return "success";
    case STATE_EOPEN:
        return "cannot open the state";
    case STATE_ECORRUPT:
        return "the state file is damaged";
    case STATE_ELOCKED:
        return "the state file is locked";
    case STATE_EVERSION:
        return "the state file is from a newer version";
    case STATE_ETOPIC:
        return "the state file belongs to another group or topic";
    case STATE_EWRITE:
        return "cannot write the state";
    case STATE_ENOMEM:
        return "out of memory";
    default:
        return "unknown error";
    }
}
