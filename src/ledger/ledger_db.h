/*
 * What the ledger's SQL files share among themselves and nothing else includes: the column list
 * of an entry row and its decoder, the caller's scope as a WHERE clause, and the small helpers
 * of reading optional columns.
 */
#ifndef LL_LEDGER_DB_H
#define LL_LEDGER_DB_H

#include "../store/store.h"
#include "ledger.h"

/* Every column of ledger_entries, in the order ledger_entry_from_row reads them. */
#define ENTRY_COLS                                                                                          \
	"e.seq, e.id, e.person_id, e.person_seq, e.prev_hash, e.entry_hash, e.op, e.outcome_id, e.supersedes, " \
	"e.submission_id, e.standard_version, e.institution_id, e.kind, e.title, e.code, e.level, "           \
	"e.credits_milli, e.hours_milli, e.result_kind, e.result, e.started_on, e.awarded_on, "               \
	"e.certificate_no, e.evidence_sha256, e.external_id, e.actor_id, e.reason, e.created_at, "            \
	"e.transfer_item_id, e.transfer_rule_id, e.transfer_rule_version, e.transfer_sources"
#define ENTRY_N_COLS 32

/* Decodes a row that starts with ENTRY_COLS into *ret (strings copied into a). LL_INVALID_VALUE
 * when a stored name (op, kind, result_kind) or hash is not one Lifelong writes: a verifier
 * reports it as a broken entry. */
enum ll_err ledger_entry_from_row(const struct store_row *row, struct arena *a, struct ledger_entry *ret);

/* A row callback that stores column 0 into the int64_t at ctx. */
enum ll_err ledger_i64_row(const struct store_row *row, void *ctx);
/* Column helpers: NULL or -1 for a NULL column. */
const char *ledger_col_text(struct arena *a, const struct store_row *row, int col);
int64_t ledger_col_i64(const struct store_row *row, int col);

/* True if the caller may read records of person_id deposited by institution_id (the person,
 * reviewers and city admins and auditors, district admins of the person's district, and the
 * depositing institution, or an institution the person shared their record with). Runs inside tx. */
enum ll_err ledger_may_read(struct ll_tx *tx, const struct ledger_caller *c, const char *person_id,
			    const char *institution_id, bool *ret_ok);

#endif

/* Keys a look-up sends in one statement: "... IN ($k, ..., $k+LEDGER_IN_MAX-1)". A short last
 * chunk repeats its first key, so that one statement text serves every call. */
#define LEDGER_IN_MAX 256
/* Runs "head (list) tail" for keys[0..n_keys) in chunks, the fixed parameters first ($1..) and
 * the chunk's keys after them, calling on_row for every row of every chunk. name names the
 * statement in logs. Duplicates in keys are harmless. */
enum ll_err ledger_exec_in(struct ll_tx *tx, const char *name, const char *head, const char *tail,
			   const struct store_val *fixed, int n_fixed, const char *const *keys, size_t n_keys,
			   store_row_fn on_row, void *ctx);
