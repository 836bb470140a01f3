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
    sqlite3_stmt *get;
    sqlite3_stmt *put;
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
    " stats TEXT NOT NULL,"
    " saved_at TEXT NOT NULL);";

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

/* Creates the tables, or checks an existing file's header: version,
 * group and topic. */
static int state_check(struct state_db *db, const char *group,
                       const char *topic, char *err, size_t errlen)
{
    char schema[32], have[1024], version[16];
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
    rc = state_meta_get(db, "topic", have, sizeof(have), err, errlen);
    if (rc <= 0 || strcmp(have, topic) != 0)
        return rc < 0 ? rc
                      : errbuf_set(STATE_ETOPIC, err, errlen,
                                   "state file %s holds topic '%s', not "
                                   "'%s'; use another DND_STATE_DIR, or "
                                   "start over with --reset-state",
                                   db->path, rc ? have : "?", topic);
    rc = state_meta_get(db, "group", have, sizeof(have), err, errlen);
    if (rc <= 0 || strcmp(have, group) != 0)
        return rc < 0 ? rc
                      : errbuf_set(STATE_ETOPIC, err, errlen,
                                   "state file %s holds group '%s', not "
                                   "'%s'; use another DND_STATE_DIR, or "
                                   "start over with --reset-state",
                                   db->path, rc ? have : "?", group);
    return 0;
}

/* Settings and the integrity check of a freshly opened file. */
static int state_prepare(struct state_db *db, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc;

    sqlite3_busy_timeout(db->db, STATE_BUSY_MS);
    rc = sqlite3_exec(db->db,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL,
                      NULL, NULL);
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
    int rc = sqlite3_prepare_v2(
        db->db,
        "SELECT next_offset, messages, invalid, stats FROM partitions "
        "WHERE partition = ?",
        -1, &db->get, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(
            db->db,
            "INSERT OR REPLACE INTO partitions(partition, next_offset, "
            "messages, invalid, stats, saved_at) "
            "VALUES(?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            -1, &db->put, NULL);
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
    const unsigned char *text;
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
    text = sqlite3_column_text(db->get, 3);
    if (out->next_offset < 0 || sqlite3_column_int64(db->get, 1) < 0 ||
        sqlite3_column_int64(db->get, 2) < 0 || !text) {
        sqlite3_reset(db->get);
        return errbuf_set(STATE_ECORRUPT, err, errlen,
                          "state file %s: partition %d holds impossible "
                          "values; move it away, or start over with "
                          "--reset-state",
                          db->path, (int)partition);
    }
    out->stats = strdup((const char *)text);
    sqlite3_reset(db->get);
    if (!out->stats)
        return errbuf_set(STATE_ENOMEM, err, errlen, "out of memory");
    return 1;
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
        rc = sqlite3_bind_text(db->put, 5, p->stats, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(db->put);
    sqlite3_reset(db->put);
    sqlite3_clear_bindings(db->put);
    if (rc != SQLITE_DONE)
        return state_sql_fail(db, rc, err, errlen, "saving a partition");
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
