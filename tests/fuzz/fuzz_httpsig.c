/*
 * libFuzzer target for reading HTTP Message Signatures: the input is a Signature-Input field
 * value, a newline, and a Signature field value, verified for label "sig1" against a fixed
 * request. Parsing must never read past either field; a signature of random bytes must never
 * verify; what verifies must name the key the lookup accepted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "federation/httpsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "fuzz_httpsig: property failed: %s (line %d)\n", #cond, __LINE__); \
			abort();                                                         \
		}                                                                        \
	} while (0)

struct fields {
	const char *input, *signature;
};

static const char *header(void *ctx, const char *name)
{
	const struct fields *f = ctx;
	if (strcmp(name, "signature-input") == 0)
		return f->input;
	if (strcmp(name, "signature") == 0)
		return f->signature;
	if (strcmp(name, "content-type") == 0)
		return "application/json";
	return NULL;
}

static bool key_of(void *ctx, const char *keyid, unsigned char pk[32])
{
	(void)ctx;
	memset(pk, 0x42, 32);
	return strcmp(keyid, "node-js") == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char *nl = memchr(text, '\n', size);
	struct fields f = { text, "" };
	if (nl) {
		*nl = '\0';
		f.signature = nl + 1;
	}
	struct httpsig_message msg = { .method = "POST", .authority = "lifelong.js.cn", .path = "/federation/v1/records",
				       .query = NULL, .header = header, .ctx = &f };
	struct httpsig_verified v;
	enum ll_err err = httpsig_verify(&msg, "sig1", NULL, 0, 1700000000, 300, 60, key_of, NULL, &v);
	/* The key of all 0x42 bytes has no known secret: nothing the fuzzer writes can verify. */
	CHECK(err != LL_OK);
	CHECK(strlen(v.keyid) < sizeof(v.keyid) && strlen(v.nonce) < sizeof(v.nonce));
	CHECK(v.params.n_components >= 0 && v.params.n_components <= HTTPSIG_MAX_COMPONENTS);
	free(text);
	return 0;
}
