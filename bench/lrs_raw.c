/*
 * The ceiling of the LRS ingestion benchmark, and its bulk loader: the rows the server writes for
 * the benchmark's statements (the statement with its body, its IRIs numbered once, its related
 * rows, an activity's definition the first time it is seen) inserted into the same schema with nothing but the sqlite3 C API, in transactions of
 * BATCH statements, synced as the server's are, through the VFS the server's connections use
 * (src/store/sqlite_vfs.c: a commit's writes to the log gathered into few calls).
 *
 *   lrs_raw DB CLIENT_ID COUNT BATCH SEED   prints "COUNT SECONDS"
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/sqlite_vfs.h"

#define LEARNERS 100000
#define COURSES 2000
#define LESSONS 40

static sqlite3 *db;
static sqlite3_stmt *iri_insert, *iri_get, *st_insert, *rel_insert, *activity_insert;

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void die(const char *what)
{
	fprintf(stderr, "lrs_raw: %s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

static void exec(const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql);
}

/* The number of an IRI, numbering it when new (a small open-addressing cache in front); *is_new
 * says whether this run saw it first. */
#define CACHE (1 << 20)
static struct {
	uint64_t h;
	int64_t id;
} cache[CACHE];

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h | 1;
}

static int64_t iri_seen(const char *s, int *is_new)
{
	uint64_t h = hash(s);
	*is_new = 0;
	for (uint64_t i = h % CACHE;; i = (i + 1) % CACHE) {
		if (cache[i].h == h)
			return cache[i].id;
		if (!cache[i].h) {
			*is_new = 1;
			sqlite3_reset(iri_insert);
			sqlite3_bind_text(iri_insert, 1, s, -1, SQLITE_STATIC);
			if (sqlite3_step(iri_insert) != SQLITE_DONE)
				die("iri insert");
			sqlite3_reset(iri_get);
			sqlite3_bind_text(iri_get, 1, s, -1, SQLITE_STATIC);
			if (sqlite3_step(iri_get) != SQLITE_ROW)
				die("iri get");
			cache[i].h = h;
			cache[i].id = sqlite3_column_int64(iri_get, 0);
			/* Reset at once: a statement left on a row keeps its read open, and the log could
			 * never be checkpointed or start over. */
			sqlite3_reset(iri_get);
			return cache[i].id;
		}
	}
}

static int64_t iri(const char *s)
{
	int is_new;
	return iri_seen(s, &is_new);
}

static void related(int64_t iri_id, int role, int64_t seq)
{
	sqlite3_reset(rel_insert);
	sqlite3_bind_int64(rel_insert, 1, iri_id);
	sqlite3_bind_int(rel_insert, 2, role);
	sqlite3_bind_int64(rel_insert, 3, seq);
	if (sqlite3_step(rel_insert) != SQLITE_DONE)
		die("related insert");
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: lrs_raw DB CLIENT_ID COUNT BATCH SEED\n");
		return 64;
	}
	const char *client = argv[2];
	long count = atol(argv[3]), batch = atol(argv[4]);
	rng_state = (uint64_t)atoll(argv[5]) * 2654435761u + 88172645463325252ull;
	if (sqlite_vfs_register() != SQLITE_OK ||
	    sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, LL_SQLITE_VFS) != SQLITE_OK)
		die("open");
	sqlite3_busy_timeout(db, 10000); /* the server beside it commits now and then */
	/* A cache that holds what a transaction dirties: spilled pages would be written to the WAL again
	 * and again. The log is checkpointed, and each statement's journal kept in memory, as the
	 * server's are (src/store/sqlite.c): a journal in a file would write every page an insert
	 * changes once more, which the server never does. */
	exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-1048576; "
	     "PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=131072;");
	const char *authority = "{\"objectType\":\"Agent\",\"name\":\"bench\",\"account\":{\"homePage\":"
				"\"https://lifelong.sh.cn/xapi/clients\",\"name\":\"bench\"}}";
	if (sqlite3_prepare_v2(db, "INSERT INTO lrs_iris (iri) VALUES (?1) ON CONFLICT DO NOTHING", -1, &iri_insert, NULL) ||
	    sqlite3_prepare_v2(db, "SELECT id FROM lrs_iris WHERE iri = ?1", -1, &iri_get, NULL) ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO lrs_statements (id, stored_us, timestamp_us, actor_iri, verb_iri, activity_iri, "
			       "is_voiding, is_voided, client_id, client_no, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7, ?9, ?8) "
			       "RETURNING seq",
			       -1, &st_insert, NULL) ||
	    sqlite3_prepare_v2(db, "INSERT INTO lrs_related (iri, role, seq) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
			       -1, &rel_insert, NULL) ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO lrs_activities (institution_id, iri, definition, updated_us) SELECT "
			       "institution_id, ?2, ?3, ?4 FROM lrs_clients WHERE id = ?1 ON CONFLICT DO NOTHING",
			       -1, &activity_insert, NULL))
		die("prepare");
	sqlite3_stmt *number;
	if (sqlite3_prepare_v2(db, "SELECT number FROM lrs_clients WHERE id = ?1", -1, &number, NULL))
		die("prepare");
	sqlite3_bind_text(number, 1, client, -1, SQLITE_STATIC);
	if (sqlite3_step(number) != SQLITE_ROW)
		die("the client is not in lrs_clients");
	int64_t client_no = sqlite3_column_int64(number, 0);
	sqlite3_finalize(number);
	int64_t auth_iri = iri("account:https://lifelong.sh.cn/xapi/clients bench");
	int64_t verb = iri("http://adlnet.gov/expapi/verbs/completed");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char body[2048], id[40], actor[96], activity[96], parent[96];
	for (long done = 0; done < count;) {
		exec("BEGIN IMMEDIATE");
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		int64_t stored = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000000 * 1000;
		for (long i = 0; i < batch && done < count; i++, done++) {
			uint64_t r = rnd(), r2 = rnd();
			snprintf(id, sizeof(id), "%08x-%04x-4%03x-a%03x-%012llx", (unsigned)(r >> 32), (unsigned)(r >> 16) & 0xffff,
				 (unsigned)r & 0xfff, (unsigned)(r2 >> 52) & 0xfff, (unsigned long long)(r2 & 0xffffffffffffull));
			unsigned learner = (unsigned)(rnd() % LEARNERS) + 1, course = (unsigned)(rnd() % COURSES) + 1,
				 lesson = (unsigned)(rnd() % LESSONS) + 1, parent_course = (unsigned)(rnd() % COURSES) + 1;
			snprintf(actor, sizeof(actor), "account:https://lifelong.sh.cn 31000000%08u", learner);
			snprintf(activity, sizeof(activity), "https://learn.shlll.cn/courses/%u/lessons/%u", course, lesson);
			snprintf(parent, sizeof(parent), "https://learn.shlll.cn/courses/%u", parent_course);
			snprintf(body, sizeof(body),
				 "{\"id\":\"%s\",\"actor\":{\"objectType\":\"Agent\",\"account\":{\"homePage\":\"https://lifelong.sh.cn\","
				 "\"name\":\"31000000%08u\"}},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/completed\",\"display\":"
				 "{\"zh-CN\":\"完成\"}},\"object\":{\"objectType\":\"Activity\",\"id\":\"%s\",\"definition\":{\"name\":"
				 "{\"zh-CN\":\"第%u课\"}}},\"result\":{\"completion\":true,\"duration\":\"PT%uM\"},\"context\":"
				 "{\"contextActivities\":{\"parent\":[{\"id\":\"%s\"}]},\"platform\":\"上海学习网\"},"
				 "\"timestamp\":\"2026-11-24T09:30:00.000+08:00\",\"authority\":%s,\"version\":\"1.0.0\","
				 "\"stored\":\"2026-11-24T01:30:00.000Z\"}",
				 id, learner, activity, lesson, 5 + (unsigned)(rnd() % 86), parent, authority);
			sqlite3_reset(st_insert);
			sqlite3_bind_text(st_insert, 1, id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st_insert, 2, stored);
			sqlite3_bind_int64(st_insert, 3, stored);
			sqlite3_bind_int64(st_insert, 4, iri(actor));
			sqlite3_bind_int64(st_insert, 5, verb);
			int is_new;
			sqlite3_bind_int64(st_insert, 6, iri_seen(activity, &is_new));
			if (is_new) {
				/* The activity's canonical definition, as the server keeps it. */
				char definition[64];
				snprintf(definition, sizeof(definition), "{\"name\":{\"zh-CN\":\"第%u课\"}}", lesson);
				sqlite3_reset(activity_insert);
				sqlite3_bind_text(activity_insert, 1, client, -1, SQLITE_STATIC);
				sqlite3_bind_text(activity_insert, 2, activity, -1, SQLITE_STATIC);
				sqlite3_bind_text(activity_insert, 3, definition, -1, SQLITE_STATIC);
				sqlite3_bind_int64(activity_insert, 4, stored);
				if (sqlite3_step(activity_insert) != SQLITE_DONE)
					die("activity insert");
			}
			sqlite3_bind_text(st_insert, 7, client, -1, SQLITE_STATIC);
			sqlite3_bind_text(st_insert, 8, body, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st_insert, 9, client_no);
			if (sqlite3_step(st_insert) != SQLITE_ROW)
				die("statement insert");
			int64_t seq = sqlite3_column_int64(st_insert, 0);
			sqlite3_reset(st_insert);
			related(auth_iri, 2, seq);
			related(iri(parent), 5, seq);
		}
		exec("COMMIT");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%ld %.3f\n", count, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	sqlite3_finalize(iri_insert);
	sqlite3_finalize(iri_get);
	sqlite3_finalize(st_insert);
	sqlite3_finalize(rel_insert);
	sqlite3_finalize(activity_insert);
	sqlite3_close(db);
	return 0;
}
