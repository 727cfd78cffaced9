/*
 * The credit bank (学分银行): learning outcomes deposited into a person's lifelong learning
 * account by the institution that taught or certified them, checked against the published entry
 * standard of their kind (录入标准, versioned data the city edits), reviewed where the standard
 * says so, and kept forever in an append-only ledger. Each ledger entry carries the hash of the
 * person's previous entry and is a leaf of one global Merkle log (merkle.h) whose signed tree
 * heads are published. A stored outcome is never changed in place: a correction or a revocation
 * is a new entry that supersedes the current one.
 *
 * Files: standard.c (entry standards and outcome checks, no I/O), entry.c (an entry's canonical
 * bytes and hash, no I/O), standards_db.c (levels and standards stored), ledger_db.c (evidence,
 * submissions and review), log_db.c (appending entries, tree nodes, signed tree heads, proofs,
 * verification), lookup_db.c (look-ups by many keys), transcript_db.c (reading a person's
 * record), share_db.c (shares and archives), import.c and import_db.c (bulk import jobs),
 * ledger_http.c and import_http.c (handlers).
 */
#ifndef LL_LEDGER_H
#define LL_LEDGER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../base/arena.h"
#include "../base/buf.h"
#include "../base/csv.h"
#include "../base/json.h"
#include "../base/ll_err.h"
#include "merkle.h"

struct ll_store;
struct ll_tx;
struct ll_keys;
struct http_req;
struct audit_actor;

/* ---- Kinds of outcome ---- */

enum outcome_kind {
	KIND_ACADEMIC_CREDIT,            /* 学历教育课程学分 */
	KIND_ACADEMIC_QUALIFICATION,     /* 学历 */
	KIND_VOCATIONAL_CERTIFICATE,     /* 职业技能等级证书 */
	KIND_PROFESSIONAL_QUALIFICATION, /* 职业资格证书 */
	KIND_NON_DEGREE_TRAINING,        /* 非学历培训 */
	KIND_ENTERPRISE_TRAINING,        /* 企业培训 */
	KIND_COMMUNITY_EDUCATION,        /* 社区教育 */
	KIND_ELDER_EDUCATION,            /* 老年教育 */
	KIND_OTHER_LEARNING,             /* 其他认可的学习：活动、志愿服务 */
	KIND_COUNT
};
/* The API names of the kinds, in enum order, NULL-terminated. */
extern const char *const outcome_kinds[];
/* Index of s in a NULL-terminated table of names, or -1 (NULL s too). */
int ledger_name_index(const char *const *names, const char *s);
/* Parses a kind name; false if unknown. */
bool outcome_kind_parse(const char *name, enum outcome_kind *ret_kind);

enum result_kind { RESULT_NONE, RESULT_GRADE, RESULT_SCORE, RESULT_PASS };
extern const char *const result_kinds[];   /* "", "grade", "score", "pass" */

#define OUTCOME_CREDITS_MILLI_MAX 300000      /* 300 credits: a whole degree */
#define OUTCOME_HOURS_MILLI_MAX 20000000      /* 20,000 hours */
#define OUTCOME_EVIDENCE_MAX (5 << 20)        /* bytes */
#define FRAMEWORK_LEVEL_MAX 10

/* The optional fields a standard may require, as bits. */
enum outcome_field {
	FIELD_CODE = 1 << 0,
	FIELD_LEVEL = 1 << 1,
	FIELD_CREDITS = 1 << 2,
	FIELD_HOURS = 1 << 3,
	FIELD_RESULT = 1 << 4,
	FIELD_STARTED_ON = 1 << 5,
	FIELD_CERTIFICATE_NO = 1 << 6,
	FIELD_EVIDENCE = 1 << 7,
};
/* API names of the fields, bit i at index i, NULL-terminated: "code", "level", "credits_milli", ... */
extern const char *const outcome_field_names[];

/* The content of an outcome: what a depositor sends and what an entry keeps. Strings are
 * borrowed (from a JSON root, a CSV row or an arena); NULL or -1 means absent. */
struct outcome {
	const char *person_id;        /* resolved from account_no before checking */
	const char *account_no;       /* as sent */
	const char *institution_id;
	enum outcome_kind kind;
	const char *title;
	const char *code;
	int64_t level;                /* -1: none */
	int64_t credits_milli;        /* -1: none */
	int64_t hours_milli;          /* -1: none */
	enum result_kind result_kind;
	const char *result;
	const char *started_on;       /* YYYY-MM-DD */
	const char *awarded_on;       /* YYYY-MM-DD, required */
	const char *certificate_no;
	const char *evidence_id;
	const char *evidence_sha256;  /* hex, filled from the evidence row */
	const char *external_id;      /* the depositor's own id: makes deposits idempotent */
};
/* Sets every optional field to absent. */
void outcome_init(struct outcome *o);

/* The body of a deposit or correction, with kind and result_kind as names (decoded by spec). */
struct outcome_in {
	const char *account_no;
	const char *kind;
	const char *title;
	const char *code;
	int64_t level;
	int64_t credits_milli;
	int64_t hours_milli;
	const char *result_kind;
	const char *result;
	const char *started_on;
	const char *awarded_on;
	const char *certificate_no;
	const char *evidence_id;
	const char *external_id;
	const char *reason;           /* corrections: why */
};
extern const struct json_field outcome_spec[];
/* Sets absent markers, decodes nothing. */
void outcome_in_init(struct outcome_in *in);
/* Turns names into enums and copies fields; LL_INVALID_VALUE naming "kind" or "result_kind". */
enum ll_err outcome_from_in(const struct outcome_in *in, struct outcome *ret);

/* ---- Entry standards (standard.c) ---- */

struct int_range {
	int64_t min, max;
};

/* One version of the entry standard of a kind. */
struct entry_standard {
	enum outcome_kind kind;
	int version;
	unsigned required;               /* bits of enum outcome_field */
	struct int_range credits_milli;
	struct int_range hours_milli;
	struct int_range level;
	unsigned institution_types;      /* bit i: institution_types[i] may deposit */
	bool is_reviewed;                /* false: accepted automatically */
	int max_age_years;               /* awarded at most this long ago; 0: any */
	const char *description;         /* 中文 */
	const char *description_en;
};

/* Decodes a standard's rules from JSON (the API body and the stored form):
 *   {"required":["code","credits_milli"], "credits_milli":{"min":0,"max":20000},
 *    "hours_milli":{...}, "level":{"min":1,"max":10}, "institution_types":["university",...],
 *    "review":"auto"|"manual", "max_age_years":0, "description":"...", "description_en":"..."}
 * Errors name the field (LL_UNKNOWN_FIELD, LL_WRONG_TYPE, LL_INVALID_VALUE, LL_OUT_OF_RANGE).
 * Strings are borrowed from obj. */
enum ll_err standard_from_json(const json_t *obj, enum outcome_kind kind, struct entry_standard *ret);
/* The rules as JSON (the stored form, also the API's): caller owns the reference. */
json_t *standard_to_json(const struct entry_standard *s);
/* The standards a new city starts with, one per kind, version 1. */
void standard_default(enum outcome_kind kind, struct entry_standard *ret);

/* Checks o against s for a depositor of institution type type_index at time now_us: the
 * fields the standard requires, ranges, dates (valid, not in the future, started before
 * awarded, within max_age_years), result syntax, evidence. Returns the first failure with its
 * field; LL_KIND_NOT_ALLOWED when this type of institution may not deposit the kind. */
enum ll_err standard_check(const struct entry_standard *s, const struct outcome *o, int type_index, int64_t now_us);

/* ---- Framework levels ---- */

struct framework_level {
	int level;
	const char *name, *name_en;
	const char *descriptor, *descriptor_en;
};
struct level_in {
	const char *name, *name_en, *descriptor, *descriptor_en;
};
extern const struct json_field level_spec[];
/* The levels a new city starts with (FRAMEWORK_LEVEL_MAX of them). */
extern const struct framework_level framework_levels_default[];

/* ---- Ledger entries (entry.c) ---- */

enum entry_op { OP_DEPOSIT, OP_CORRECT, OP_REVOKE };
extern const char *const entry_ops[];  /* "deposit", "correct", "revoke" */

#define ENTRY_HASH_BYTES MERKLE_HASH_BYTES

/* One ledger entry: its place in the log and in the person's chain, what happened, and the
 * outcome as it stands after it (a revocation repeats the content it revokes). */
struct ledger_entry {
	int64_t seq;                      /* leaf index in the global log, from 0 */
	const char *id;
	const char *person_id;
	int64_t person_seq;               /* 1 for a person's first entry */
	unsigned char prev_hash[ENTRY_HASH_BYTES];  /* zeros for the first */
	unsigned char entry_hash[ENTRY_HASH_BYTES];
	enum entry_op op;
	const char *outcome_id;           /* the first entry of the outcome: stable across versions */
	const char *supersedes;           /* entry id, or NULL */
	const char *submission_id;
	int standard_version;
	struct outcome o;
	const char *actor_id;
	const char *reason;
	int64_t created_at;
	/* Credit a transfer granted (the learning overpass): the decided item, the rule version it
	 * applied and the outcomes it used (a JSON array of outcome ids, compact). NULL otherwise. */
	const char *transfer_item_id;
	const char *transfer_rule_id;
	int transfer_rule_version;
	const char *transfer_sources;
};

/* The canonical bytes of an entry (JSON, keys sorted, no spaces, every field, hashes in hex) into
 * out; what its hash covers. */
enum ll_err entry_canonical(const struct ledger_entry *e, struct buf *out);
/* entry_hash = merkle_hash_leaf(canonical bytes): the entry is its own leaf in the log. */
enum ll_err entry_compute_hash(const struct ledger_entry *e, unsigned char ret_hash[ENTRY_HASH_BYTES]);
/* The entry for the API (hashes in hex). Caller owns the reference. */
json_t *entry_json(const struct ledger_entry *e);

/* ---- Submissions and review (ledger_db.c) ---- */

enum submission_status { SUB_PENDING, SUB_RETURNED, SUB_REJECTED, SUB_STORED };
extern const char *const submission_statuses[];  /* "pending", "returned", "rejected", "stored" */

/* Who is depositing or deciding. */
struct ledger_caller {
	unsigned role;                /* enum role bit */
	const char *user_id;
	const char *institution_id;   /* depositors */
	const char *person_id;        /* citizens */
	const char *district_code;
};

/* Result of a deposit: the submission as stored, and whether it was already there. */
struct deposit_result {
	const char *submission_id;
	enum submission_status status;
	const char *entry_id;         /* when stored */
	const char *outcome_id;
	bool is_existing;             /* same institution and external id seen before: nothing changed */
};

/* Deposits one outcome for the caller's institution: resolves the account, checks the current
 * standard of its kind, and either stores it in the ledger at once or queues it for review.
 * Idempotent by (institution, external_id). Nothing is written when a check fails. */
enum ll_err ledger_deposit(struct ll_store *st, const struct ledger_caller *c, const struct outcome *o,
			   const struct audit_actor *actor, struct arena *a, struct deposit_result *ret);
/* Submits a corrected version of the stored outcome outcome_id, with a reason; it passes the
 * standard and review like a deposit and, once stored, supersedes the current entry. */
enum ll_err ledger_correct(struct ll_store *st, const struct ledger_caller *c, const char *outcome_id,
			   const struct outcome *o, const char *reason, const struct audit_actor *actor,
			   struct arena *a, struct deposit_result *ret);
/* Revokes the stored outcome outcome_id at once with a reason (depositor, reviewer, city admin). */
enum ll_err ledger_revoke(struct ll_store *st, const struct ledger_caller *c, const char *outcome_id,
			  const char *reason, const struct audit_actor *actor, struct arena *a, const char **ret_entry_id);
/* Replaces the content of a submission returned for correction and checks it again. */
enum ll_err ledger_resubmit(struct ll_store *st, const struct ledger_caller *c, const char *submission_id,
			    const struct outcome *o, const struct audit_actor *actor, struct arena *a,
			    struct deposit_result *ret);

enum review_decision { DECIDE_APPROVE, DECIDE_REJECT, DECIDE_RETURN };
extern const char *const review_decisions[];  /* "approve", "reject", "return" */
/* A reviewer decides a pending submission; reject and return need a reason. Approval appends the
 * entry. LL_NOT_PENDING when it was decided already. */
enum ll_err ledger_decide(struct ll_store *st, const struct ledger_caller *c, const char *submission_id,
			  enum review_decision d, const char *reason, const struct audit_actor *actor);

/* Submissions the caller may see, newest first (?status, kind, institution, before cursor). */
struct submission_filter {
	const char *status;
	const char *kind;
	const char *institution_id;
	const char *person_id;
	const char *before;          /* cursor from the previous page */
	int limit;
};
enum ll_err ledger_submission_list(struct ll_store *st, const struct ledger_caller *c,
				   const struct submission_filter *f, json_t **ret_page);
enum ll_err ledger_submission_get(struct ll_store *st, const struct ledger_caller *c, const char *id,
				  json_t **ret_obj);

/* ---- Entry standards and levels, stored ---- */

/* The current standard of a kind inside tx (the highest version). Strings arena-owned. */
enum ll_err standard_current(struct ll_tx *tx, enum outcome_kind kind, struct arena *a, struct entry_standard *ret);
/* Every kind's current standard, or every version of one kind (kind >= 0). */
enum ll_err standard_list(struct ll_store *st, int kind, json_t **ret_items);
/* Publishes a new version of a kind's standard; *ret_version is its number. */
enum ll_err standard_publish(struct ll_store *st, const struct entry_standard *s, const struct audit_actor *actor,
			     int *ret_version);
/* Writes the default standards and levels where none exist (start-up, migrate, demo). */
enum ll_err ledger_seed_reference(struct ll_store *st);
enum ll_err framework_level_list(struct ll_store *st, json_t **ret_items);
enum ll_err framework_level_update(struct ll_store *st, int level, const struct level_in *in,
				   const struct audit_actor *actor);

/* ---- Evidence ---- */

/* Stores an uploaded file for the caller's institution, keeping its SHA-256; *ret_id names it. */
enum ll_err evidence_store(struct ll_store *st, const struct ledger_caller *c, const void *data, size_t len,
			   const char *media_type, const char *name, const struct audit_actor *actor,
			   struct arena *a, const char **ret_id, char ret_sha256[65]);
/* Loads evidence the caller may see (its institution's, a reviewer's, the person's own). */
enum ll_err evidence_load(struct ll_store *st, const struct ledger_caller *c, const char *id, struct arena *a,
			  const void **ret_data, size_t *ret_len, const char **ret_media_type, const char **ret_name);

/* ---- The log (log_db.c) ---- */

/* Appends entries inside tx: assigns seq, person_seq and prev_hash, computes each hash, writes
 * the entries and the tree nodes they complete. The caller fills everything else. */
enum ll_err ledger_append(struct ll_tx *tx, struct ledger_entry *entries, int n);
/* The caller vouches that no person of the batch has an entry yet (a bulk load of new persons):
 * their chains start in the batch, and no lookup is made. */
#define LEDGER_APPEND_NEW_PERSONS 1u
/* The chain heads one writer's appends left, kept across its transactions (the batches of an
 * import job) so that a later batch need not look them up again. They are believed only while
 * the ledger has grown by that writer's committed appends alone: an append by anyone else in
 * between, or a rolled-back batch, makes the next append forget them. */
struct ledger_heads;
/* An empty set of heads; NULL when out of memory. */
struct ledger_heads *ledger_heads_new(void);
void ledger_heads_free(struct ledger_heads *h);
/* Tells h whether the transaction of its last append committed: the heads that append left are
 * kept when it did and forgotten when it did not. */
void ledger_heads_settle(struct ledger_heads *h, bool is_committed);
/* ledger_append with flags and, when heads is not NULL, the heads of earlier appends. */
enum ll_err ledger_append_ex(struct ll_tx *tx, struct ledger_entry *entries, int n, unsigned flags,
			     struct ledger_heads *heads);
/* The latest signed tree head, signing a new one first when the log has grown since it and
 * either it is older than a second or it does not yet cover min_size leaves. */
enum ll_err ledger_sth_current(struct ll_store *st, const struct ll_keys *keys, uint64_t min_size,
			       struct merkle_sth *ret_sth);
/* Inside the caller's transaction (reading only): the tree head ledger_sth_current would give for
 * leaf seq without signing a new one, and seq's inclusion proof against it. *ret_is_found false:
 * a head must be signed first; ask ledger_sth_current and ledger_inclusion_proof instead. */
enum ll_err ledger_proof_tx(struct ll_tx *tx, uint64_t seq, struct merkle_sth *ret_sth, struct merkle_proof *ret_proof,
			    bool *ret_is_found);
/* The inclusion proof of leaf seq against the tree of tree_size leaves. */
enum ll_err ledger_inclusion_proof(struct ll_store *st, uint64_t seq, uint64_t tree_size,
				   struct merkle_proof *ret_proof);
enum ll_err ledger_consistency_proof(struct ll_store *st, uint64_t first, uint64_t second,
				     struct merkle_proof *ret_proof);
/* Loads one entry the caller may see. */
enum ll_err ledger_entry_get(struct ll_store *st, const struct ledger_caller *c, const char *id, struct arena *a,
			     struct ledger_entry *ret);
/* Every version of an outcome, oldest first. */
enum ll_err ledger_outcome_history(struct ll_store *st, const struct ledger_caller *c, const char *outcome_id,
				   json_t **ret_items);

/* What the verifier found. */
struct verify_report {
	uint64_t entries;
	uint64_t persons;
	uint64_t tree_heads;
	uint64_t nodes;
	bool is_ok;
	char first_failure[512];   /* names the first entry, node or tree head that does not hold */
};
typedef void (*verify_progress_fn)(void *ctx, uint64_t done, uint64_t total);
/* Checks every entry's hash against its content, every person's chain, every stored tree node and
 * every signed tree head (root and signature against public_key). */
enum ll_err ledger_verify(struct ll_store *st, const unsigned char public_key[MERKLE_PUBLIC_KEY_BYTES],
			  verify_progress_fn progress, void *ctx, struct verify_report *ret);

/* ---- Transcripts (transcript_db.c) ---- */

struct transcript_filter {
	int kind;                   /* -1: all */
	int level;                  /* -1: all */
	const char *from, *to;      /* awarded_on bounds, inclusive; NULL: open */
	bool include_revoked;
	bool is_english;            /* CSV headings and kind names */
};
/* Kind names for people, in enum order: 学历教育课程学分 ... and Academic course credit ... */
extern const char *const outcome_kind_labels_zh[];
extern const char *const outcome_kind_labels_en[];
/* The current outcomes of a person (the entries nothing supersedes, revocations left out), in
 * ledger order, read inside the caller's transaction into an array of a; strings arena-owned. */
enum ll_err ledger_current_outcomes(struct ll_tx *tx, const char *person_id, struct arena *a,
				    struct ledger_entry **ret_entries, int *ret_n);
/* The current version of one of the person's outcomes, as ledger_current_outcomes would list it;
 * *ret_is_found false when the person holds no such current outcome. */
enum ll_err ledger_current_outcome(struct ll_tx *tx, const char *person_id, const char *outcome_id, struct arena *a,
				   struct ledger_entry *ret_entry, bool *ret_is_found);
/* An outcome as it was deposited, as those that follow the ledger (points) see it. Strings are
 * owned by the arena given to ledger_deposits_since. */
struct ledger_deposit_seen {
	int64_t seq;
	const char *outcome_id, *person_id, *kind, *title;
	int64_t level;                /* -1: none */
	int64_t hours_milli;          /* -1: none */
	int64_t created_at;
};
/* The first versions of outcomes (deposits, not corrections or revocations) after ledger seq
 * after_seq (-1 for all: the first entry is number 0), in ledger order, at most limit, inside tx: *ret_items (arena-owned) and *ret_n;
 * *ret_next is where the next call continues. */
enum ll_err ledger_deposits_since(struct ll_tx *tx, int64_t after_seq, int limit, struct arena *a,
				  struct ledger_deposit_seen **ret_items, int *ret_n, int64_t *ret_next);
/* A person's transcript as the caller may see it: the current version of each outcome (sorted by
 * kind, newest first), totals of credits and hours by kind, by level and by year. An institution
 * sees the outcomes it deposited, or all of them when the person shared their record with it;
 * LL_NOT_FOUND when the caller may see nothing of the person. Caller owns the reference. */
enum ll_err transcript_get(struct ll_store *st, const struct ledger_caller *c, const char *person_id,
			   const struct transcript_filter *f, json_t **ret_obj);
/* The same rows as CSV (UTF-8 with a BOM, so that Excel opens it) into out. */
enum ll_err transcript_csv(struct ll_store *st, const struct ledger_caller *c, const char *person_id,
			   const struct transcript_filter *f, struct buf *out);

/* ---- Sharing with an employer, and an institution's learning archive ---- */

struct share_in {
	const char *institution_id;
};
extern const struct json_field share_spec[];
/* Whether institution_id holds a record of the person: it deposited an outcome for them, or they
 * shared their record with it. Inside the caller's transaction. */
enum ll_err ledger_institution_knows(struct ll_tx *tx, const char *person_id, const char *institution_id,
				     bool *ret_is_known);
/* The person lets an institution (an employer) see their whole record, until they end it. */
enum ll_err share_create(struct ll_store *st, const char *person_id, const char *institution_id,
			 const struct audit_actor *actor);
enum ll_err share_end(struct ll_store *st, const char *person_id, const char *institution_id,
		      const struct audit_actor *actor);
enum ll_err share_list(struct ll_store *st, const char *person_id, json_t **ret_items);
/* The learning archive (在职人员学习档案) of an institution: the persons it deposited outcomes for
 * or who shared their record with it, with what it deposited for each, by person id after
 * the cursor. */
enum ll_err archive_list(struct ll_store *st, const char *institution_id, const char *after, int limit,
			 json_t **ret_page);

/* ---- Bulk import (import.c: rows to outcomes; import_db.c: jobs) ----
 *
 * A file is uploaded whole into an import job (kept in the database in chunks, so that any
 * server can run it) and read by a worker in batches. Each batch commits its rows, their errors
 * and the job's checkpoint (the last line done) in one transaction, guarded by the job's owner
 * and checkpoint; a worker that resumes a job after a crash skips the lines before the checkpoint,
 * so every row lands exactly once. All-or-nothing jobs first read the whole file without writing
 * and store nothing if any row fails. */

enum import_mode { IMPORT_PARTIAL, IMPORT_ALL_OR_NOTHING };
extern const char *const import_modes[];      /* "partial", "all_or_nothing" */
/* The columns of an outcome file, with their Chinese headings as aliases. */
extern const struct csv_column import_columns[];
#define IMPORT_MAX_BYTES (256 << 20)
#define IMPORT_BATCH_ROWS 10000

/* Turns a row (cells in import_columns order) into an outcome: kind by name or Chinese label,
 * credits and hours as decimals ("2.5"), result kind by name or label. Strings borrowed from row
 * are copied into a. Errors name the column. */
enum ll_err import_row_outcome(const struct csv_row *row, struct arena *a, struct outcome *ret);

struct import_job_in {
	enum csv_format format;
	enum import_mode mode;
	const char *filename;
	const void *data;
	size_t len;
};
/* Creates a job for the caller's institution holding the file; *ret_id (arena-owned) names it. */
enum ll_err import_job_create(struct ll_store *st, const struct ledger_caller *c, const struct import_job_in *in,
			      const struct audit_actor *actor, struct arena *a, const char **ret_id);
/* A job as JSON: status, counts, percent, rows per second. */
enum ll_err import_job_get(struct ll_store *st, const struct ledger_caller *c, const char *id, json_t **ret_obj);
enum ll_err import_job_list(struct ll_store *st, const struct ledger_caller *c, int limit, json_t **ret_page);
/* Rejected rows in line order after after_line, as a page, or all of them as CSV. */
enum ll_err import_job_errors(struct ll_store *st, const struct ledger_caller *c, const char *id, int64_t after_line,
			      int limit, json_t **ret_page);
enum ll_err import_job_errors_csv(struct ll_store *st, const struct ledger_caller *c, const char *id, bool is_english,
				  struct buf *out);

/* Called after each batch with the job's progress. */
struct import_progress {
	uint64_t bytes_done, total_bytes;
	uint64_t rows_read, rows_stored, rows_pending, rows_existing, rows_rejected;
	const char *phase;            /* "validating" or "writing" */
};
typedef void (*import_progress_fn)(void *ctx, const struct import_progress *p);
/* Runs job id (or, when id is NULL, the oldest job that waits or whose worker's lease ran out)
 * to its end under the name worker. Checks *stop between batches and leaves the job to be
 * resumed when it is set. *ret_ran says whether a job was run. */
enum ll_err import_run(struct ll_store *st, const char *id, const char *worker, const volatile int *stop,
		       import_progress_fn progress, void *ctx, bool *ret_ran);

/* ---- HTTP (ledger_http.c) ---- */
/* The request's caller as the ledger sees it (shared by the ledger's handler files). */
void ledger_http_caller(const struct http_req *req, struct ledger_caller *ret);
enum ll_err ledger_http_levels(struct http_req *req);
enum ll_err ledger_http_level_update(struct http_req *req);
enum ll_err ledger_http_standards(struct http_req *req);
enum ll_err ledger_http_standard_versions(struct http_req *req);
enum ll_err ledger_http_standard_publish(struct http_req *req);
enum ll_err ledger_http_evidence_upload(struct http_req *req);
enum ll_err ledger_http_evidence_get(struct http_req *req);
enum ll_err ledger_http_deposit(struct http_req *req);
enum ll_err ledger_http_correct(struct http_req *req);
enum ll_err ledger_http_revoke(struct http_req *req);
enum ll_err ledger_http_history(struct http_req *req);
enum ll_err ledger_http_submissions(struct http_req *req);
enum ll_err ledger_http_submission_get(struct http_req *req);
enum ll_err ledger_http_resubmit(struct http_req *req);
enum ll_err ledger_http_decide(struct http_req *req);
enum ll_err ledger_http_decide_bulk(struct http_req *req);
enum ll_err ledger_http_entry(struct http_req *req);
enum ll_err ledger_http_sth(struct http_req *req);
enum ll_err ledger_http_consistency(struct http_req *req);
enum ll_err ledger_http_my_transcript(struct http_req *req);
enum ll_err ledger_http_my_transcript_csv(struct http_req *req);
enum ll_err ledger_http_transcript(struct http_req *req);
enum ll_err ledger_http_transcript_csv(struct http_req *req);
enum ll_err ledger_http_share_create(struct http_req *req);
enum ll_err ledger_http_share_list(struct http_req *req);
enum ll_err ledger_http_share_end(struct http_req *req);
enum ll_err ledger_http_archive(struct http_req *req);
enum ll_err ledger_http_import_create(struct http_req *req);
enum ll_err ledger_http_import_list(struct http_req *req);
enum ll_err ledger_http_import_get(struct http_req *req);
enum ll_err ledger_http_import_errors(struct http_req *req);
enum ll_err ledger_http_import_errors_csv(struct http_req *req);

extern const struct json_field revoke_spec[];
extern const struct json_field decide_spec[];
extern const struct json_field decide_bulk_spec[];

#endif
