/*
 * What the overpass's SQL files share among themselves and nothing else includes: a loaded
 * programme's rules, the caller's standing, and one audit inside a transaction.
 */
#ifndef LL_TRANSFER_DB_H
#define LL_TRANSFER_DB_H

#include "../base/id.h"
#include "../store/store.h"
#include "transfer.h"

/* One stored rule version, decoded against a plan. */
struct stored_rule {
	const char *id;
	int version;
	bool is_approved;
	json_t *body;
	struct transfer_rule rule;
	bool is_fit;                    /* it decodes against the current plan */
	char why_unfit[LL_FIELD_MAX + LL_MESSAGE_MAX + 2];
};

struct rules_ctx {
	struct arena *a;
	const struct programme_plan *plan;
	struct stored_rule *rules;
	int n, cap;
	bool is_approved_only;
};

/* The live versions of a programme's rules (the latest approved of each, and the latest when it
 * is pending; only the approved when r->is_approved_only), decoded against r->plan. */
enum ll_err transfer_rules_load(struct ll_tx *tx, const char *programme_id, struct rules_ctx *r);
void transfer_rules_release(struct rules_ctx *r);
/* Loads programme id inside tx with its plan decoded; *ret_root holds the plan's strings. */
enum ll_err transfer_programme_load(struct ll_tx *tx, const char *id, struct arena *a, struct programme *ret,
				    json_t **ret_root);
/* Whether the caller is staff (or admin) of institution_id. */
bool transfer_is_staff_of(const struct ledger_caller *c, const char *institution_id);
/* The person of account_no, or the calling person when account_no is NULL, into ret_id. */
enum ll_err transfer_person_of(struct ll_tx *tx, const struct ledger_caller *c, const char *account_no,
			       char ret_id[LL_ID_LEN + 1]);
/* One audit inside tx against a programme loaded with its rules (the report of transfer_audit
 * with "programme", "person" and "unfit_rules"); strings in a. */
enum ll_err transfer_audit_one(struct ll_tx *tx, const struct programme *p, const struct rules_ctx *rules,
			       const char *person_id, const char *as_of, struct arena *a, json_t **ret_report);
/* The person's current outcomes as audits weigh them: those in the ledger here (without the
 * credit transfers granted) and those imported from peers this node has not suspended (node_id
 * set, id their id here). Strings in a. */
enum ll_err transfer_person_outcomes(struct ll_tx *tx, const char *person_id, struct arena *a,
				     struct audit_outcome **ret, int *ret_n);
/* The outcome of outcomes with id, or NULL. */
const struct audit_outcome *transfer_outcome_find(const struct audit_outcome *outcomes, int n, const char *id);
/* The pending and approved items of a person in a programme, one audit_transfer a grant. */
enum ll_err transfer_items_load(struct ll_tx *tx, const char *person_id, const char *programme_id, struct arena *a,
				struct audit_transfer **ret, int *ret_n);
/* Today's date, YYYY-MM-DD. */
void transfer_today(char out[11]);
/* A row callback that sets the bool at ctx. */
enum ll_err transfer_found_row(const struct store_row *row, void *ctx);

#endif
