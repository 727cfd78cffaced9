/*
 * Finding a person by the keyed hash of their ID number under the regional look-up key the
 * federation's credit banks share (persons.region_hash). Hashes are filled in for persons without
 * one, whoever made them (the portal, an import, the demo), when a peer's request finds none; a
 * new regional key makes them anew.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../base/crypto.h"
#include "../store/store.h"
#include "federation.h"

#define CATCH_UP_BATCH 1000
#define ID_LEN 18

static const struct store_stmt FINGERPRINT = { "region fingerprint", "SELECT fingerprint FROM federation_region WHERE id = 1" };
static const struct store_stmt FINGERPRINT_SET = {
	"region fingerprint set",
	"INSERT INTO federation_region (id, fingerprint) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET fingerprint = $1"
};
static const struct store_stmt FORGET = { "region hashes forget",
					  "UPDATE persons SET region_hash = NULL WHERE region_hash IS NOT NULL" };
static const struct store_stmt MISSING = { "region hashes missing",
					   "SELECT id, id_sealed FROM persons WHERE region_hash IS NULL LIMIT $1" };
static const struct store_stmt SET = { "region hash set", "UPDATE persons SET region_hash = $1 WHERE id = $2" };
static const struct store_stmt ANY_MISSING = { "region hashes any missing",
					       "SELECT 1 FROM persons WHERE region_hash IS NULL LIMIT 1" };
static const struct store_stmt FIND = { "region hash find", "SELECT id FROM persons WHERE region_hash = $1" };
static const struct store_stmt SEALED = { "region id sealed", "SELECT id_sealed FROM persons WHERE id = $1" };

/* The regional key's fingerprint: which key made the stored hashes. */
static void fingerprint(const struct ll_keys *keys, char out[33])
{
	unsigned char h[CRYPTO_HASH_BYTES];
	crypto_region_hash(keys, "fingerprint", 11, h);
	crypto_hex(h, 16, out);
}

struct catch_up {
	const struct ll_keys *keys;
	char fingerprint[33];
	bool is_same_key;
	int done;
};

static enum ll_err fingerprint_row(const struct store_row *row, void *ctx)
{
	struct catch_up *c = ctx;
	c->is_same_key = strcmp(store_row_text(row, 0), c->fingerprint) == 0;
	return LL_OK;
}

static enum ll_err key_txn(struct ll_tx *tx, void *ctx)
{
	struct catch_up *c = ctx;
	c->is_same_key = false;
	enum ll_err err = store_exec(tx, &FINGERPRINT, SP_NONE, fingerprint_row, c);
	if (err != LL_OK || c->is_same_key)
		return err;
	err = store_exec(tx, &FORGET, SP_NONE, NULL, NULL);
	if (err == LL_OK)
		err = store_exec(tx, &FINGERPRINT_SET, SP(SV_TEXT(c->fingerprint)), NULL, NULL);
	return err;
}

/* The regional hash of a sealed ID number. */
static bool hash_sealed(const struct ll_keys *keys, const unsigned char *sealed, size_t len,
			unsigned char out[CRYPTO_HASH_BYTES])
{
	char id[ID_LEN + 1] = "";
	bool is_ok = len == ID_LEN + CRYPTO_SEAL_OVERHEAD && crypto_open(keys, sealed, len, id) &&
		     crypto_region_hash(keys, id, ID_LEN, out);
	sodium_memzero(id, sizeof(id));
	return is_ok;
}

static enum ll_err missing_row(const struct store_row *row, void *ctx)
{
	struct ll_tx *tx = ((void **)ctx)[0];
	struct catch_up *c = ((void **)ctx)[1];
	size_t len = 0;
	const unsigned char *sealed = store_row_blob(row, 1, &len);
	unsigned char h[CRYPTO_HASH_BYTES];
	if (!hash_sealed(c->keys, sealed, len, h))
		return ll_fail(LL_INTERNAL, NULL, "a person's ID number does not open with this node's key");
	c->done++;
	return store_exec(tx, &SET, SP(SV_BLOB(h, sizeof(h)), SV_TEXT(store_row_text(row, 0))), NULL, NULL);
}

static enum ll_err batch_txn(struct ll_tx *tx, void *ctx)
{
	struct catch_up *c = ctx;
	c->done = 0;
	void *pair[2] = { tx, c };
	return store_exec(tx, &MISSING, SP(SV_I64(CATCH_UP_BATCH)), missing_row, pair);
}

static enum ll_err found_row(const struct store_row *row, void *ctx)
{
	(void)row;
	*(bool *)ctx = true;
	return LL_OK;
}

/* Whether the stored hashes were made with this key and none is missing: read, without taking
 * the write lock (a peer asking for someone this node does not know asks this). */
static enum ll_err check_txn(struct ll_tx *tx, void *ctx)
{
	struct catch_up *c = ctx;
	c->is_same_key = false;
	c->done = 0;
	bool is_missing = false;
	enum ll_err err = store_exec(tx, &FINGERPRINT, SP_NONE, fingerprint_row, c);
	if (err == LL_OK && c->is_same_key)
		err = store_exec(tx, &ANY_MISSING, SP_NONE, found_row, &is_missing);
	c->done = is_missing;
	return err;
}

enum ll_err fed_subjects_catch_up(struct ll_store *st, const struct ll_keys *keys, int64_t *ret_n)
{
	if (!keys->has_region) {
		*ret_n = 0;
		return LL_OK;
	}
	struct catch_up c = { .keys = keys };
	fingerprint(keys, c.fingerprint);
	enum ll_err err = store_run(st, STORE_READ, "region hashes check", check_txn, &c);
	if (err == LL_OK && c.is_same_key && !c.done) {
		*ret_n = 0;
		return LL_OK;
	}
	if (err == LL_OK)
		err = store_run(st, STORE_WRITE, "region key", key_txn, &c);
	int64_t n = 0;
	do {
		if (err == LL_OK)
			err = store_run(st, STORE_WRITE, "region hashes", batch_txn, &c);
		if (err == LL_OK)
			n += c.done;
	} while (err == LL_OK && c.done == CATCH_UP_BATCH);
	if (err == LL_OK)
		*ret_n = n;
	return err;
}

struct find {
	const unsigned char *hash;
	char person_id[64];
};

static enum ll_err find_row(const struct store_row *row, void *ctx)
{
	struct find *f = ctx;
	snprintf(f->person_id, sizeof(f->person_id), "%s", store_row_text(row, 0));
	return LL_OK;
}

static enum ll_err find_txn(struct ll_tx *tx, void *ctx)
{
	struct find *f = ctx;
	f->person_id[0] = '\0';
	return store_exec(tx, &FIND, SP(SV_BLOB(f->hash, CRYPTO_HASH_BYTES)), find_row, f);
}

enum ll_err fed_subject_find(struct ll_store *st, const struct ll_keys *keys, const unsigned char hash[32],
			     char ret_person_id[64], bool *ret_is_found)
{
	struct find f = { .hash = hash };
	enum ll_err err = store_run(st, STORE_READ, "region subject", find_txn, &f);
	/* Not found: perhaps a person made since the hashes were last filled in (by this catch-up or
	 * another one that ran meanwhile). */
	int64_t n = 0;
	bool is_missed = err == LL_OK && !f.person_id[0];
	if (is_missed)
		err = fed_subjects_catch_up(st, keys, &n);
	if (is_missed && err == LL_OK)
		err = store_run(st, STORE_READ, "region subject", find_txn, &f);
	if (err != LL_OK)
		return err;
	if (f.person_id[0])
		snprintf(ret_person_id, 64, "%s", f.person_id);
	*ret_is_found = f.person_id[0] != '\0';
	return LL_OK;
}

struct sealed {
	const struct ll_keys *keys;
	const char *person_id;
	unsigned char *hash;
	bool is_found, is_ok;
};

static enum ll_err sealed_row(const struct store_row *row, void *ctx)
{
	struct sealed *s = ctx;
	size_t len = 0;
	const unsigned char *sealed = store_row_blob(row, 0, &len);
	s->is_found = true;
	s->is_ok = hash_sealed(s->keys, sealed, len, s->hash);
	return LL_OK;
}

static enum ll_err sealed_txn(struct ll_tx *tx, void *ctx)
{
	struct sealed *s = ctx;
	s->is_found = s->is_ok = false;
	return store_exec(tx, &SEALED, SP(SV_TEXT(s->person_id)), sealed_row, s);
}

enum ll_err fed_subject_hash(struct ll_store *st, const struct ll_keys *keys, const char *person_id,
			     unsigned char ret_hash[32])
{
	if (!keys->has_region)
		return ll_fail(LL_NO_REGION_KEY, NULL, NULL);
	struct sealed s = { .keys = keys, .person_id = person_id, .hash = ret_hash };
	enum ll_err err = store_run(st, STORE_READ, "region subject hash", sealed_txn, &s);
	if (err == LL_OK && !s.is_found)
		err = ll_fail(LL_NOT_FOUND, NULL, "no person %s", person_id);
	if (err == LL_OK && !s.is_ok)
		err = ll_fail(LL_INTERNAL, NULL, "a person's ID number does not open with this node's key");
	return err;
}
