/*
 * xAPI's documents: state, activity profiles and agent profiles, opaque bytes with their media
 * type, each institution's own. Writes honour If-Match and If-None-Match inside the transaction
 * that writes, so that of two clients racing on one ETag one wins and the other gets 412; POST
 * merges two JSON objects and refuses anything else that would overwrite a document.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/clock.h"
#include "../store/store.h"
#include "lrs.h"

static const char *const KINDS[] = { "state", "activity_profile", "agent_profile" };

#define KEY_WHERE                                                                                                 \
	"institution_id = $1 AND kind = $2 AND activity_iri = $3 AND agent_key = $4 AND registration = $5 AND doc_id = $6"
static const struct store_stmt DOC_GET = {
	"lrs doc get", "SELECT content_type, etag, updated_us, body FROM lrs_documents WHERE " KEY_WHERE
};
static const struct store_stmt DOC_PUT = {
	"lrs doc put",
	"INSERT INTO lrs_documents (institution_id, kind, activity_iri, agent_key, registration, doc_id, content_type, etag, "
	"updated_us, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
	"ON CONFLICT (institution_id, kind, activity_iri, agent_key, registration, doc_id) DO UPDATE SET "
	"content_type = excluded.content_type, etag = excluded.etag, updated_us = excluded.updated_us, body = excluded.body"
};
/* The same, only over the version the writer read ($11: its ETag, '' when there was none, which
 * no stored ETag is): 0 rows changed means another writer came in between. */
static const struct store_stmt DOC_PUT_OVER = {
	"lrs doc put over",
	"INSERT INTO lrs_documents (institution_id, kind, activity_iri, agent_key, registration, doc_id, content_type, etag, "
	"updated_us, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
	"ON CONFLICT (institution_id, kind, activity_iri, agent_key, registration, doc_id) DO UPDATE SET "
	"content_type = excluded.content_type, etag = excluded.etag, updated_us = excluded.updated_us, body = excluded.body "
	"WHERE lrs_documents.etag = $11"
};
static const struct store_stmt DOC_DELETE = { "lrs doc delete", "DELETE FROM lrs_documents WHERE " KEY_WHERE };
/* Several: the state of an activity and agent, all registrations unless one is named ($6 = 1). */
#define MANY_WHERE                                                                                                \
	"institution_id = $1 AND kind = $2 AND activity_iri = $3 AND agent_key = $4 AND ($6 = 0 OR registration = $5)"
static const struct store_stmt DOC_IDS = {
	"lrs doc ids",
	"SELECT doc_id, updated_us FROM lrs_documents WHERE " MANY_WHERE " AND updated_us > $7 ORDER BY doc_id LIMIT 10000"
};
static const struct store_stmt DOC_DELETE_MANY = { "lrs doc delete many", "DELETE FROM lrs_documents WHERE " MANY_WHERE };

void lrs_etag(const void *body, size_t len, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(body, len, md, &n, EVP_sha1(), NULL);
	for (unsigned i = 0; i < n && i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[40] = '\0';
}

/* True when the If-Match or If-None-Match list (`"tag"`, `W/"tag"`, comma-separated, or `*`)
 * names etag (any document for `*`; etag NULL: none exists). */
static bool etag_listed(const char *list, const char *etag)
{
	for (const char *p = list; *p;) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *end = p;
		while (*end && *end != ',')
			end++;
		const char *tag = p;
		size_t len = (size_t)(end - p);
		while (len && (tag[len - 1] == ' ' || tag[len - 1] == '\t'))
			len--;
		if (len == 1 && *tag == '*' && etag)
			return true;
		if (len >= 2 && strncmp(tag, "W/", 2) == 0)
			tag += 2, len -= 2;
		if (len >= 2 && tag[0] == '"' && tag[len - 1] == '"')
			tag++, len -= 2;
		if (etag && len == strlen(etag) && strncasecmp(tag, etag, len) == 0)
			return true;
		p = end;
	}
	return false;
}

static bool is_json_type(const char *ct)
{
	size_t n = ct ? strcspn(ct, "; \t") : 0;
	return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

struct doc_row {
	bool is_found;
	char content_type[LRS_CONTENT_TYPE_MAX];
	char etag[41];
	int64_t updated_us;
	char *body;
	size_t len;
};

static enum ll_err doc_row(const struct store_row *row, void *ctx)
{
	struct doc_row *d = ctx;
	size_t len;
	const void *body = store_row_blob(row, 3, &len);
	free(d->body);
	if (!(d->body = malloc(len + 1)))
		return LL_NOMEM;
	if (len)
		memcpy(d->body, body, len); /* an empty document's bytes may be no pointer at all */
	d->body[len] = '\0';
	d->len = len;
	snprintf(d->content_type, sizeof(d->content_type), "%s", store_row_text(row, 0));
	snprintf(d->etag, sizeof(d->etag), "%s", store_row_text(row, 1));
	d->updated_us = store_row_i64(row, 2);
	d->is_found = true;
	return LL_OK;
}

#define KEY_PARAMS(k)                                                                                             \
	SV_TEXT((k)->institution_id), SV_TEXT(KINDS[(k)->kind]), SV_TEXT((k)->activity_id ? (k)->activity_id : ""), \
		SV_TEXT((k)->agent_key ? (k)->agent_key : ""), SV_TEXT((k)->registration ? (k)->registration : ""),   \
		SV_TEXT((k)->id ? (k)->id : "")

#define MANY_PARAMS(k)                                                                                            \
	SV_TEXT((k)->institution_id), SV_TEXT(KINDS[(k)->kind]), SV_TEXT((k)->activity_id ? (k)->activity_id : ""), \
		SV_TEXT((k)->agent_key ? (k)->agent_key : ""), SV_TEXT((k)->registration ? (k)->registration : ""),   \
		SV_I64((k)->registration != NULL)

static enum ll_err doc_read(struct ll_tx *tx, const struct lrs_doc_key *k, struct doc_row *d)
{
	d->is_found = false;
	return store_exec(tx, &DOC_GET, SP(KEY_PARAMS(k)), doc_row, d);
}

/* ---- Writing ---- */

struct write_ctx {
	const struct lrs_doc_key *k;
	const struct lrs_doc_write *w;
	struct doc_row old;
	bool is_overtaken;             /* a merge lost a race: read and merge again */
};

/* The conditions a write must meet, given what is stored now. */
static enum ll_err preconditions(const struct lrs_doc_write *w, const struct doc_row *old)
{
	if (w->if_match && !etag_listed(w->if_match, old->is_found ? old->etag : NULL))
		return ll_fail(LL_PRECONDITION_FAILED, "If-Match", "the document's ETag is not one If-Match names");
	if (w->if_none_match && etag_listed(w->if_none_match, old->is_found ? old->etag : NULL))
		return ll_fail(LL_PRECONDITION_FAILED, "If-None-Match", "the document exists and If-None-Match says it must not");
	if (w->is_etag_required && old->is_found && !w->if_match && !w->if_none_match)
		return ll_fail(LL_CONFLICT, "If-Match",
			       "the document exists: GET it, then PUT with If-Match set to its ETag (or If-None-Match: * "
			       "for a new one) so that no one's change is lost");
	return LL_OK;
}

static enum ll_err write_txn(struct ll_tx *tx, void *ctx)
{
	struct write_ctx *x = ctx;
	enum ll_err err = doc_read(tx, x->k, &x->old);
	if (err == LL_OK)
		err = preconditions(x->w, &x->old);
	if (err != LL_OK)
		return err;
	const char *type = x->w->content_type;
	const void *body = x->w->body;
	size_t len = x->w->len;
	char *merged = NULL;
	if (x->w->is_merge && x->old.is_found) {
		/* POST onto a document: two JSON objects merge, key by key; nothing else may. */
		json_t *have = is_json_type(x->old.content_type) ? json_loadb(x->old.body, x->old.len, 0, NULL) : NULL;
		json_t *add = is_json_type(type) ? json_loadb(body, len, 0, NULL) : NULL;
		if (json_is_object(have) && json_is_object(add) && json_object_update(have, add) == 0)
			merged = json_dumps(have, JSON_COMPACT);
		json_decref(have);
		json_decref(add);
		if (!merged)
			return ll_fail(LL_INVALID_VALUE, "Content-Type",
				       "only a JSON object posted onto a JSON object merges; PUT replaces a document");
		body = merged;
		len = strlen(merged);
	}
	char etag[41];
	lrs_etag(body, len, etag);
	/* What was read decides a conditional write or a merge, so it is written only over that. */
	bool is_over = x->w->if_match || x->w->if_none_match || x->w->is_merge;
	x->is_overtaken = false;
	if (is_over)
		err = store_exec(tx, &DOC_PUT_OVER,
				 SP(KEY_PARAMS(x->k), SV_TEXT(type), SV_TEXT(etag), SV_I64(clock_now_us()),
				    SV_BLOB(len ? body : "", len), SV_TEXT(x->old.is_found ? x->old.etag : "")),
				 NULL, NULL);
	else
		err = store_exec(tx, &DOC_PUT,
				 SP(KEY_PARAMS(x->k), SV_TEXT(type), SV_TEXT(etag), SV_I64(clock_now_us()),
				    SV_BLOB(len ? body : "", len)),
				 NULL, NULL);
	free(merged);
	if (err == LL_OK && is_over && store_changes(tx) != 1) {
		if (x->w->if_match || x->w->if_none_match)
			return ll_fail(LL_PRECONDITION_FAILED, x->w->if_match ? "If-Match" : "If-None-Match",
				       "another client changed the document first");
		x->is_overtaken = true;
	}
	return err;
}

enum ll_err lrs_document_write(struct ll_store *st, const struct lrs_doc_key *k, const struct lrs_doc_write *w)
{
	if (w->is_merge && is_json_type(w->content_type)) {
		json_t *v = json_loadb(w->body, w->len, JSON_REJECT_DUPLICATES, NULL);
		bool is_object = json_is_object(v);
		json_decref(v);
		if (!is_object)
			return ll_fail(LL_INVALID_JSON, "body", "a document posted as application/json is a JSON object");
	}
	struct write_ctx x = { .k = k, .w = w };
	enum ll_err err;
	/* A merge that another writer overtook merges again onto what that writer left. */
	for (int attempt = 0;; attempt++) {
		err = store_run(st, STORE_WRITE, "lrs document write", write_txn, &x);
		if (err != LL_OK || !x.is_overtaken)
			break;
		if (attempt == 8) {
			err = ll_fail(LL_BUSY, NULL, "the document changes too often to merge into; try again");
			break;
		}
	}
	free(x.old.body);
	return err;
}

/* ---- Reading, listing, deleting ---- */

struct get_ctx {
	const struct lrs_doc_key *k;
	struct doc_row d;
};

static enum ll_err get_txn(struct ll_tx *tx, void *ctx)
{
	struct get_ctx *g = ctx;
	return doc_read(tx, g->k, &g->d);
}

enum ll_err lrs_document_get(struct ll_store *st, const struct lrs_doc_key *k, struct lrs_document *ret)
{
	struct get_ctx g = { .k = k };
	enum ll_err err = store_run(st, STORE_READ, "lrs document", get_txn, &g);
	if (err == LL_OK && !g.d.is_found)
		err = ll_fail(LL_NOT_FOUND, NULL, "no such document");
	if (err != LL_OK) {
		free(g.d.body);
		return err;
	}
	ret->body = g.d.body;
	ret->len = g.d.len;
	snprintf(ret->content_type, sizeof(ret->content_type), "%s", g.d.content_type);
	snprintf(ret->etag, sizeof(ret->etag), "%s", g.d.etag);
	ret->updated_us = g.d.updated_us;
	return LL_OK;
}

struct ids_ctx {
	const struct lrs_doc_key *k;
	int64_t since_us, newest_us;
	json_t *ids;
};

static enum ll_err id_row(const struct store_row *row, void *ctx)
{
	struct ids_ctx *x = ctx;
	if (store_row_i64(row, 1) > x->newest_us)
		x->newest_us = store_row_i64(row, 1);
	return json_array_append_new(x->ids, json_string(store_row_text(row, 0))) == 0 ? LL_OK : LL_NOMEM;
}

static enum ll_err ids_txn(struct ll_tx *tx, void *ctx)
{
	struct ids_ctx *x = ctx;
	json_array_clear(x->ids);
	x->newest_us = 0;
	return store_exec(tx, &DOC_IDS, SP(MANY_PARAMS(x->k), SV_I64(x->since_us)), id_row, x);
}

enum ll_err lrs_document_ids(struct ll_store *st, const struct lrs_doc_key *k, int64_t since_us, json_t **ret_ids,
			     int64_t *ret_newest_us)
{
	struct ids_ctx x = { .k = k, .since_us = since_us, .ids = json_array() };
	enum ll_err err = x.ids ? store_run(st, STORE_READ, "lrs document ids", ids_txn, &x) : LL_NOMEM;
	if (err != LL_OK) {
		json_decref(x.ids);
		return err;
	}
	*ret_ids = x.ids;
	*ret_newest_us = x.newest_us;
	return LL_OK;
}

struct delete_ctx {
	const struct lrs_doc_key *k;
	const char *if_match;
	struct doc_row old;
};

static enum ll_err delete_txn(struct ll_tx *tx, void *ctx)
{
	struct delete_ctx *x = ctx;
	if (!x->k->id)
		return store_exec(tx, &DOC_DELETE_MANY, SP(MANY_PARAMS(x->k)), NULL, NULL);
	enum ll_err err = doc_read(tx, x->k, &x->old);
	if (err == LL_OK && x->if_match && !etag_listed(x->if_match, x->old.is_found ? x->old.etag : NULL))
		err = ll_fail(LL_PRECONDITION_FAILED, "If-Match", "the document's ETag is not one If-Match names");
	if (err == LL_OK)
		err = store_exec(tx, &DOC_DELETE, SP(KEY_PARAMS(x->k)), NULL, NULL);
	return err;
}

enum ll_err lrs_document_delete(struct ll_store *st, const struct lrs_doc_key *k, const char *if_match)
{
	struct delete_ctx x = { .k = k, .if_match = if_match };
	enum ll_err err = store_run(st, STORE_WRITE, "lrs document delete", delete_txn, &x);
	free(x.old.body);
	return err;
}
