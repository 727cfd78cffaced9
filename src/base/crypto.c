/*
 * libsodium wrappers and the key file. The key file is text: a header line and one
 * "name=hex" line per key. It must be a regular file readable by its owner only.
 */
#include "crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_FILE_HEADER "lifelong-keys v1"

enum ll_err crypto_init(void)
{
	if (sodium_init() < 0)
		return ll_fail(LL_INTERNAL, NULL, "cannot initialise libsodium");
	return LL_OK;
}

void crypto_hex(const unsigned char *in, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, in, n);
}

bool crypto_unhex(const char *hex, unsigned char *out, size_t n)
{
	size_t got = 0;
	const char *end = NULL;
	if (strlen(hex) != 2 * n)
		return false;
	if (sodium_hex2bin(out, n, hex, 2 * n, NULL, &got, &end) != 0 || got != n)
		return false;
	return true;
}

void crypto_random_hex(char *out, size_t n)
{
	unsigned char raw[64];
	while (n > 0) {
		size_t k = n > sizeof(raw) ? sizeof(raw) : n;
		randombytes_buf(raw, k);
		crypto_hex(raw, k, out);
		out += 2 * k;
		n -= k;
	}
	sodium_memzero(raw, sizeof(raw));
}

bool crypto_str_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}

enum ll_err keys_generate_file(const char *path, bool with_region)
{
	enum ll_err err = LL_OK;
	struct ll_keys *k = sodium_malloc(sizeof(*k));
	char line[300];
	int fd = -1;
	if (!k)
		return ll_fail(LL_NOMEM, NULL, "cannot allocate key memory");
	randombytes_buf(k->seal, sizeof(k->seal));
	randombytes_buf(k->lookup, sizeof(k->lookup));
	randombytes_buf(k->token, sizeof(k->token));
	crypto_sign_keypair(k->sign_pk, k->sign_sk);
	randombytes_buf(k->region, sizeof(k->region));

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = ll_fail(errno == EEXIST ? LL_CONFLICT : LL_IO, "out", "cannot create key file '%s': %s",
			      path, strerror(errno));
		goto out;
	}
	/* An inherited umask could only narrow 0600, but make the mode exact regardless. */
	if (fchmod(fd, 0600) != 0) {
		err = ll_fail(LL_IO, "out", "cannot set mode of key file '%s'", path);
		goto out;
	}
	struct { const char *name; const unsigned char *bytes; size_t n; } rows[] = {
		{ "seal", k->seal, sizeof(k->seal) },
		{ "lookup", k->lookup, sizeof(k->lookup) },
		{ "token", k->token, sizeof(k->token) },
		{ "sign", k->sign_sk, sizeof(k->sign_sk) },
		{ "region", k->region, sizeof(k->region) },
	};
	if (write(fd, KEY_FILE_HEADER "\n", sizeof(KEY_FILE_HEADER)) != (ssize_t)sizeof(KEY_FILE_HEADER)) {
		err = ll_fail(LL_IO, "out", "cannot write key file '%s'", path);
		goto out;
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]) - (with_region ? 0 : 1); i++) {
		size_t nlen = strlen(rows[i].name);
		memcpy(line, rows[i].name, nlen);
		line[nlen] = '=';
		crypto_hex(rows[i].bytes, rows[i].n, line + nlen + 1);
		size_t len = strlen(line);
		line[len++] = '\n';
		if (write(fd, line, len) != (ssize_t)len) {
			err = ll_fail(LL_IO, "out", "cannot write key file '%s'", path);
			goto out;
		}
	}
	if (fsync(fd) != 0)
		err = ll_fail(LL_IO, "out", "cannot sync key file '%s'", path);
out:
	sodium_memzero(line, sizeof(line));
	if (fd >= 0)
		close(fd);
	if (err != LL_OK && fd >= 0)
		unlink(path);
	sodium_free(k);
	return err;
}

enum ll_err keys_load(const char *path, struct ll_keys **ret_keys)
{
	enum ll_err err = LL_OK;
	struct ll_keys *k = NULL;
	FILE *f = NULL;
	char line[300];
	int have = 0;
	struct stat st;

	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		err = ll_fail(LL_KEY_FILE, "key_file", "cannot open key file '%s': %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		err = ll_fail(LL_KEY_FILE, "key_file", "key file '%s' is not a regular file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		close(fd);
		err = ll_fail(LL_KEY_FILE, "key_file",
			      "key file '%s' may be read by others (mode %03o); make it 0600", path,
			      (unsigned)(st.st_mode & 0777));
		goto out;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		err = ll_fail(LL_KEY_FILE, "key_file", "cannot read key file '%s'", path);
		goto out;
	}
	k = sodium_malloc(sizeof(*k));
	if (!k) {
		err = ll_fail(LL_NOMEM, NULL, "cannot allocate key memory");
		goto out;
	}
	k->has_region = false;
	if (!fgets(line, sizeof(line), f) || strncmp(line, KEY_FILE_HEADER, strlen(KEY_FILE_HEADER)) != 0) {
		err = ll_fail(LL_KEY_FILE, "key_file", "key file '%s' has no '%s' header", path, KEY_FILE_HEADER);
		goto out;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		const char *hex = eq + 1;
		bool ok = true;
		if (strcmp(line, "seal") == 0) {
			ok = crypto_unhex(hex, k->seal, sizeof(k->seal));
			have |= 1;
		} else if (strcmp(line, "lookup") == 0) {
			ok = crypto_unhex(hex, k->lookup, sizeof(k->lookup));
			have |= 2;
		} else if (strcmp(line, "token") == 0) {
			ok = crypto_unhex(hex, k->token, sizeof(k->token));
			have |= 4;
		} else if (strcmp(line, "sign") == 0) {
			ok = crypto_unhex(hex, k->sign_sk, sizeof(k->sign_sk));
			if (ok)
				crypto_sign_ed25519_sk_to_pk(k->sign_pk, k->sign_sk);
			have |= 8;
		} else if (strcmp(line, "region") == 0) {
			/* Optional: the federation's shared look-up key. */
			ok = crypto_unhex(hex, k->region, sizeof(k->region));
			k->has_region = ok;
		}
		if (!ok) {
			err = ll_fail(LL_KEY_FILE, "key_file", "key file '%s' has a malformed '%s' line", path, line);
			goto out;
		}
	}
	if (have != 15) {
		err = ll_fail(LL_KEY_FILE, "key_file", "key file '%s' is missing keys", path);
		goto out;
	}
	*ret_keys = k;
	k = NULL;
out:
	sodium_memzero(line, sizeof(line));
	if (f)
		fclose(f);
	keys_free(k);
	return err;
}

struct ll_keys *keys_free(struct ll_keys *keys)
{
	if (keys)
		sodium_free(keys); /* sodium_free wipes before freeing */
	return NULL;
}

void crypto_seal(const struct ll_keys *keys, const void *plain, size_t len, unsigned char *out)
{
	randombytes_buf(out, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, plain, len, out, keys->seal);
}

bool crypto_open(const struct ll_keys *keys, const unsigned char *sealed, size_t len, void *out)
{
	if (len < CRYPTO_SEAL_OVERHEAD)
		return false;
	return crypto_secretbox_open_easy(out, sealed + crypto_secretbox_NONCEBYTES,
					  len - crypto_secretbox_NONCEBYTES, sealed, keys->seal) == 0;
}

static void keyed_hash(const unsigned char key[CRYPTO_KEY_BYTES], const char *domain, const void *data,
		       size_t len, unsigned char out[CRYPTO_HASH_BYTES])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, key, CRYPTO_KEY_BYTES, CRYPTO_HASH_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain) + 1);
	crypto_generichash_update(&st, data, len);
	crypto_generichash_final(&st, out, CRYPTO_HASH_BYTES);
}

void crypto_lookup_hash(const struct ll_keys *keys, const char *domain, const void *data, size_t len,
			unsigned char out[CRYPTO_HASH_BYTES])
{
	keyed_hash(keys->lookup, domain, data, len, out);
}

bool crypto_region_hash(const struct ll_keys *keys, const char *id_number, size_t len,
			unsigned char out[CRYPTO_HASH_BYTES])
{
	if (!keys->has_region)
		return false;
	keyed_hash(keys->region, "region_id_number", id_number, len, out);
	return true;
}

void crypto_token_hash(const struct ll_keys *keys, const char *token, unsigned char out[CRYPTO_HASH_BYTES])
{
	keyed_hash(keys->token, "token", token, strlen(token), out);
}

enum ll_err crypto_password_hash(const char *password, char out[CRYPTO_PWHASH_MAX])
{
	_Static_assert(crypto_pwhash_STRBYTES <= CRYPTO_PWHASH_MAX, "pwhash buffer");
	if (crypto_pwhash_str_alg(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				  crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return ll_fail(LL_NOMEM, NULL, "cannot hash password: out of memory");
	return LL_OK;
}

bool crypto_password_verify(const char *stored, const char *password)
{
	return crypto_pwhash_str_verify(stored, password, strlen(password)) == 0;
}
