/*
 * HTTP Message Signatures (RFC 9421) with Ed25519, and Content-Digest (RFC 9530), as credit-bank
 * nodes sign the requests they send each other and the answers they give. Pure: the caller gives
 * the message's parts and headers, and the key; no I/O.
 */
#ifndef LL_HTTPSIG_H
#define LL_HTTPSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"
#include "../base/ll_err.h"

#define HTTPSIG_MAX_COMPONENTS 12
#define HTTPSIG_DIGEST_MAX 64      /* "sha-256=:" 44 characters of base64 ":" and a NUL */

/* The parts of a message a signature can cover (RFC 9421 §2.2): a request's method, authority
 * (host[:port], lowercase), path and query ("?a=b", or NULL for none); a response's status; and its
 * header fields, looked up by lowercase name (NULL when absent). */
struct httpsig_message {
	const char *method;
	const char *authority;
	const char *path;
	const char *query;
	int status;                     /* a response's; 0 for a request */
	const char *(*header)(void *ctx, const char *name);
	void *ctx;
};

/* The signature's parameters (§2.3), in this order when given: created, expires (seconds since
 * the epoch; 0: not given), nonce, alg, keyid, tag (NULL: not given). */
struct httpsig_params {
	const char *components[HTTPSIG_MAX_COMPONENTS];   /* "@method", "content-digest", … */
	int n_components;
	int64_t created, expires;
	const char *nonce, *alg, *keyid, *tag;
};

/* The signature base of msg under p (§2.5), and in *params_value the serialized parameters as
 * the Signature-Input member's value: ("@method" "@path");created=1;keyid="k". LL_INVALID_VALUE
 * naming the component when msg lacks one p covers. */
enum ll_err httpsig_base(const struct httpsig_message *msg, const struct httpsig_params *p, struct buf *out,
			 struct buf *params_value);

/* Signs msg under p with sk (Ed25519, 64 bytes): *ret_input is the Signature-Input field value
 * (label=<params>) and *ret_signature the Signature field value (label=:<base64>:), malloc'd. */
enum ll_err httpsig_sign(const struct httpsig_message *msg, const struct httpsig_params *p, const char *label,
			 const unsigned char sk[64], char **ret_input, char **ret_signature);
/* httpsig_sign with the Ed25519 signature of the base made by sign (a key kept elsewhere). */
typedef enum ll_err (*httpsig_sign_fn)(void *ctx, const void *base, size_t len, unsigned char sig[64]);
enum ll_err httpsig_sign_by(const struct httpsig_message *msg, const struct httpsig_params *p, const char *label,
			    httpsig_sign_fn sign, void *ctx, char **ret_input, char **ret_signature);

/* What a verified signature said of itself; params' strings point into the struct. */
struct httpsig_verified {
	struct httpsig_params params;
	char component_names[HTTPSIG_MAX_COMPONENTS][72];
	char keyid[128];
	char nonce[128];
	char tag[64];
};

/* Finds keyid's public key: false when it is not known. */
typedef bool (*httpsig_key_fn)(void *ctx, const char *keyid, unsigned char pk[32]);

/* Verifies msg's signature label (its Signature-Input and Signature fields): it covers every
 * component of required (n of them), was created no more than max_age_s before now_s and not
 * after it (with skew_s of clock difference allowed), has not expired, and is the Ed25519
 * signature of its base by the key key_of finds for its keyid. LL_UNAUTHENTICATED naming what
 * failed; *ret says what the signature said. */
enum ll_err httpsig_verify(const struct httpsig_message *msg, const char *label, const char *const *required, int n,
			   int64_t now_s, int64_t max_age_s, int64_t skew_s, httpsig_key_fn key_of, void *ctx,
			   struct httpsig_verified *ret);

/* The Content-Digest field value (RFC 9530) of body: sha-256=:<base64>: */
void httpsig_content_digest(const void *body, size_t len, char out[HTTPSIG_DIGEST_MAX]);

#endif
