/*
 * Credentials anyone can verify (求职认证): a person's stored outcome as a 1EdTech Open Badges 3.0
 * OpenBadgeCredential, a W3C Verifiable Credential 2.0 secured with VC-JOSE (a compact JWS,
 * EdDSA over Ed25519) by the credit bank's issuer key. Each credential carries the ledger entry
 * it speaks for with that entry's inclusion proof against a signed tree head, so a verifier can
 * also check that the record is in the ledger. The issuer publishes its keys (a JWKS and a did:web
 * document); keys rotate: the newest signs, every older one still verifies, and each credential
 * names its key.
 *
 * Files: jose.c (base64url, JWS, JWK; no I/O), vc.c (the credential's JSON; no I/O), keys_db.c
 * (issuer keys), issue_db.c (issuing and listing), verify.c (checking a credential),
 * credentials_http.c (handlers).
 */
#ifndef LL_CREDENTIALS_H
#define LL_CREDENTIALS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/json.h"
#include "../base/ll_err.h"

struct ll_store;
struct ll_keys;
struct http_req;
struct audit_actor;
struct ledger_entry;
struct merkle_sth;
struct merkle_proof;

/* ---- JOSE (jose.c) ---- */

#define JOSE_ED25519_PUBLIC_BYTES 32
#define JOSE_ED25519_SECRET_BYTES 64
#define JOSE_THUMBPRINT_MAX 48   /* 43 characters of base64url and a NUL */

/* data as base64url without padding; malloc'd, NULL when out of memory. Not constant-time: for
 * public data only (a secret goes through libsodium's sodium_bin2base64). */
char *jose_b64url_encode(const void *data, size_t len);
/* Decodes len characters of base64url without padding into a malloc'd buffer (NUL after the
 * bytes); false, with nothing allocated, when they are not exactly that (padding, other
 * characters, bits left over). */
bool jose_b64url_decode(const char *s, size_t len, unsigned char **ret, size_t *ret_len);

/* A JWS in compact serialization, taken apart. signing_input is borrowed from the text parsed. */
struct jose_jws {
	json_t *header;                 /* the protected header, a JSON object */
	char *payload;                  /* decoded, with a NUL after payload_len bytes */
	size_t payload_len;
	unsigned char signature[64];
	const char *signing_input;      /* "header.payload" as given */
	size_t signing_input_len;
};
/* Splits and decodes compact (header.payload.signature); the header must be a JSON object and the
 * signature 64 bytes. LL_MISSING_FIELD or LL_INVALID_VALUE naming field. Release with
 * jose_jws_release. */
enum ll_err jose_jws_parse(const char *compact, const char *field, struct jose_jws *ret);
void jose_jws_release(struct jose_jws *j);
/* True if j's signature is pk's Ed25519 signature of its signing input. */
bool jose_jws_verify_ed25519(const struct jose_jws *j, const unsigned char pk[JOSE_ED25519_PUBLIC_BYTES]);
/* Signs payload (len bytes) under header with sk: *ret is the compact JWS, malloc'd. */
enum ll_err jose_jws_sign_ed25519(const json_t *header, const char *payload, size_t len,
				  const unsigned char sk[JOSE_ED25519_SECRET_BYTES], char **ret);
/* pk as a JWK {"kty":"OKP","crv":"Ed25519","x":…} with kid when given; NULL when out of memory. */
json_t *jose_jwk_ed25519(const unsigned char pk[JOSE_ED25519_PUBLIC_BYTES], const char *kid);
/* The public key of an Ed25519 JWK; LL_INVALID_VALUE naming field otherwise. */
enum ll_err jose_jwk_ed25519_parse(const json_t *jwk, const char *field, unsigned char pk[JOSE_ED25519_PUBLIC_BYTES]);
/* The RFC 7638 thumbprint of pk's JWK (SHA-256, base64url): the issuer's key ids. */
void jose_jwk_thumbprint(const unsigned char pk[JOSE_ED25519_PUBLIC_BYTES], char out[JOSE_THUMBPRINT_MAX]);

/* ---- The issuer ---- */

#define CRED_DID_MAX 256

/* Who issues: the credit bank at its public address. */
struct cred_issuer {
	char url[256];                  /* https://lifelong.sh.cn */
	char did[CRED_DID_MAX];         /* did:web:lifelong.sh.cn (a port as %3A) */
	const char *name, *name_en;
};
/* The issuer at url (http or https, host, optional port, no path): LL_INVALID_VALUE otherwise. */
enum ll_err cred_issuer_init(const char *url, struct cred_issuer *ret);
/* The issuer's Open Badges profile; caller owns the reference. */
json_t *cred_issuer_profile(const struct cred_issuer *iss);

/* ---- The credential (vc.c) ---- */

/* What an Open Badges credential for one outcome says, beside the entry itself. */
struct cred_badge_in {
	const struct cred_issuer *issuer;
	const char *id;                 /* urn:uuid:… */
	int64_t valid_from_us;
	const struct ledger_entry *entry;   /* the outcome's current version */
	const char *person_name;
	const char *account_no;
	const char *institution_name;
	const struct merkle_sth *sth;   /* a tree head that holds the entry */
	const struct merkle_proof *proof;
	const char *log_key_id;         /* the verification method of the tree head's key */
	int64_t status_index;           /* its place in the status lists; -1: none */
};
/* The OpenBadgeCredential (unsecured); NULL when out of memory. */
json_t *cred_badge_json(const struct cred_badge_in *in);

/* What a CLR 2.0 transcript of several outcomes says: the person, and each outcome's Open Badges
 * credential as its JWS. */
struct cred_clr_in {
	const struct cred_issuer *issuer;
	const char *id;                 /* urn:uuid:… */
	int64_t valid_from_us;
	const char *person_name;
	const char *account_no;
	const char *const *jws;         /* the badges, in the person's order */
	int n;
	int64_t status_index;           /* -1: none */
};
/* The ClrCredential (unsecured): a ClrSubject whose verifiableCredential embeds each badge as an
 * EnvelopedVerifiableCredential ("data:application/vc+jwt,<JWS>"); NULL when out of memory. */
json_t *cred_clr_json(const struct cred_clr_in *in);

/* ---- Revocation: W3C Bitstring Status List v1.0 (status.c, status_db.c) ----
 *
 * Each credential has a status index, given in the order credentials are issued; list n holds
 * indexes [n * CRED_STATUS_LIST_BITS, (n + 1) * CRED_STATUS_LIST_BITS). A credential's bit is set
 * once the ledger entry it speaks for is superseded (corrected) or revoked. */

#define CRED_STATUS_LIST_BITS 131072
#define CRED_STATUS_LIST_BYTES (CRED_STATUS_LIST_BITS / 8)
#define CRED_URL_MAX 320

/* Sets bit index (within its list) in bits. */
void cred_status_set(unsigned char bits[CRED_STATUS_LIST_BYTES], uint64_t index);
/* Bit index of a decoded list of len bytes (false past its end). */
bool cred_status_get(const unsigned char *bits, size_t len, uint64_t index);
/* The list as encodedList: GZIP, then base64url with the multibase prefix "u"; malloc'd. */
enum ll_err cred_status_encode(const unsigned char bits[CRED_STATUS_LIST_BYTES], char **ret);
/* Decodes an encodedList (at least 16 KiB of bits once inflated) into a malloc'd buffer;
 * LL_INVALID_VALUE naming field otherwise. */
enum ll_err cred_status_decode(const char *encoded, const char *field, unsigned char **ret_bits, size_t *ret_len);
/* The address of list number list: <issuer url>/api/v1/credentials/status/<list>. */
void cred_status_list_url(const struct cred_issuer *iss, uint64_t list, char out[CRED_URL_MAX]);
/* A credential's credentialStatus for status index index (a BitstringStatusListEntry). */
json_t *cred_status_entry_json(const struct cred_issuer *iss, uint64_t index);
/* The (unsecured) BitstringStatusListCredential of list number list. */
json_t *cred_status_list_json(const struct cred_issuer *iss, uint64_t list, const char *encoded, int64_t valid_from_us);

/* List number list as of now, secured like every credential (a compact JWS signed by the newest
 * key); LL_NOT_FOUND when no credential has an index in it. */
enum ll_err cred_status_list_jws(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
				 uint64_t list, char **ret_jws);
/* Whether the credential at status index index is revoked now (its entry superseded). */
enum ll_err cred_status_is_revoked(struct ll_store *st, uint64_t index, bool *ret_is_revoked);

/* ---- Issuer keys (keys_db.c) ---- */

/* Makes an issuer key when there is none (start-up, demo). */
enum ll_err cred_keys_ensure(struct ll_store *st, const struct ll_keys *keys);
/* A new signing key; older keys keep verifying. *ret_kid (43 characters) names it. */
enum ll_err cred_key_rotate(struct ll_store *st, const struct ll_keys *keys, const struct audit_actor *actor,
			    char ret_kid[JOSE_THUMBPRINT_MAX]);
/* Every issuer key, newest first, as JWKs with alg, use and as kid the DID URL a credential's
 * header names (<did>#<thumbprint>), so that a JWKS look-up by the header's kid finds it (a
 * JWKS's "keys"); caller owns. */
enum ll_err cred_keys_jwks(struct ll_store *st, const struct cred_issuer *iss, json_t **ret_keys);
/* The Ed25519 signature of msg by the issuer's newest key (what the credit bank signs other than
 * credentials with, such as its answers to other credit banks), and that key's id. */
enum ll_err cred_sign_bytes(struct ll_store *st, const struct ll_keys *keys, const void *msg, size_t len,
			    unsigned char ret_sig[64], char ret_kid[JOSE_THUMBPRINT_MAX]);
/* The public key named kid; LL_NOT_FOUND when the issuer never had it. */
enum ll_err cred_key_public(struct ll_store *st, const char *kid, unsigned char ret_pk[JOSE_ED25519_PUBLIC_BYTES]);
/* The issuer's did:web document: each key a verification method for assertions, and the ledger's
 * tree-head key (fragment "ledger"). Caller owns. */
enum ll_err cred_did_document(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			      json_t **ret_doc);

/* ---- Issuing (issue_db.c) ---- */

#define CRED_TYPE_BADGE "OpenBadgeCredential"
#define CRED_TYPE_CLR "ClrCredential"
#define CRED_CLR_MAX 20

/* Issues the person's outcome outcome_id (its current version; not one revoked) as an Open
 * Badges credential signed with the newest key, and records it. *ret_obj: {"id", "type",
 * "outcome_id", "entry_id", "kid", "issued_at", "jws", "credential"}. LL_NOT_FOUND when the
 * person holds no such current outcome. */
enum ll_err cred_issue_badge(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			     const char *person_id, const char *outcome_id, json_t **ret_obj);
/* Issues the person's outcomes outcome_ids (n of them) as cred_issue_badge does each, committed
 * together: ret_objs[i] is outcome i's credential, or NULL when the person holds no current
 * version of it or it changed while it was issued; each the caller's. An error only when they
 * could not be issued at all (then none is). */
enum ll_err cred_issue_badges(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			      const char *person_id, const char *const *outcome_ids, int n, json_t **ret_objs);
/* Issues a CLR 2.0 transcript of the person's outcomes outcome_ids (a JSON array of 1 to
 * CRED_CLR_MAX distinct ids of their current outcomes), embedding each outcome's badge: the
 * person's newest one for the outcome's current version, or one issued now. *ret_obj: {"id",
 * "type", "kid", "title", "records", "issued_at", "jws", "credential", "items": [{"credential_id",
 * "outcome_id", "entry_id", "title"}]}. Nothing is issued when an id is not one of their current
 * outcomes (LL_NOT_FOUND naming outcome_ids). */
enum ll_err cred_issue_clr(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			   const char *person_id, const json_t *outcome_ids, json_t **ret_obj);
/* The person's current outcomes recorded after their person_seq after (0: from the first), at
 * most limit, each as its Open Badges credential: the newest one for the outcome's current version,
 * or one issued now. *ret_page (the caller's): {"items": [{"outcome_id", "entry_id", "seq", "jws"}],
 * "next": the after of the next page, or null at the end}. */
enum ll_err cred_badges_of_person(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
				  const char *person_id, int64_t after, int limit, json_t **ret_page);
/* The person's credentials, newest first, without their text: {"items": [{"id", "type",
 * "outcome_id", "entry_id", "kid", "title", "records" (how many ledger entries it speaks for),
 * "issued_at"}]}. */
enum ll_err cred_list(struct ll_store *st, const char *person_id, json_t **ret_page);
/* One of the person's credentials with its JWS and credential. */
enum ll_err cred_get(struct ll_store *st, const char *person_id, const char *id, json_t **ret_obj);

/* ---- Shares (share_db.c): records shared by a link (求职认证) ---- */

struct cred_share_in {
	const json_t *outcome_ids;      /* 1 to CRED_CLR_MAX ids of the person's current outcomes */
	const char *purpose;            /* 1 to 200 characters */
	const char *recipient;          /* optional */
	int64_t expires_at;             /* 0: 30 days ahead; at most 365 days ahead */
};
extern const struct json_field cred_share_spec[];

/* Shares the person's outcomes: each one's badge (their current one, or a new one) and a
 * transcript of them, behind a new link. *ret_share: {"id", "purpose", "recipient", "created_at",
 * "expires_at", "ended_at", "state", "token", "url", "views", "clr_id", "items": [{"credential_id",
 * "outcome_id", "title"}]}. Nothing is stored when the input is refused. */
enum ll_err cred_share_create(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			      const char *person_id, const struct cred_share_in *in, int64_t now_us, json_t **ret_share);
/* The person's shares, newest first: {"items": [share]}, state as of now_us. */
enum ll_err cred_share_list(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			    const char *person_id, int64_t now_us, json_t **ret_page);
/* One of the person's shares with "view_log": [{"at", "address", "user_agent", "was_shown"}],
 * newest first. LL_NOT_FOUND when it is not theirs. */
enum ll_err cred_share_get(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			   const char *person_id, const char *id, int64_t now_us, json_t **ret_share);
/* Ends the person's share at once (again: nothing changes). */
enum ll_err cred_share_end(struct ll_store *st, const char *person_id, const char *id, int64_t now_us);
/* The link of the person's share. */
enum ll_err cred_share_link(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			    const char *person_id, const char *id, char out[CRED_URL_MAX]);

/* Who opened a link, and when. */
struct cred_share_visit {
	const char *address;
	const char *user_agent;         /* or NULL */
	int64_t now_us;
};
/* Opens the share whose link carries token, recording the visit when it names one: {"purpose",
 * "recipient", "created_at", "expires_at", "holder": {"name"}, "issuer": {"name", "name_en",
 * "url", "did"}, "is_valid", "transcript": {"id", "title", "jws", "report"}, "items":
 * [{"credential_id", "title", "jws", "report"}]}, each report as cred_verify_local makes it now.
 * LL_NOT_FOUND for a token of no share, LL_SHARE_ENDED, LL_SHARE_EXPIRED. */
enum ll_err cred_share_open(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			    const char *token, const struct cred_share_visit *visit, json_t **ret_shared);

/* ---- Verifying (verify.c) ---- */

/* The checks of a credential, in order; each is passed, failed or not made (when an earlier
 * one failed so that it cannot be). */
enum cred_check {
	CHECK_FORMAT,       /* a JWS of a credential */
	CHECK_SIGNATURE,    /* by a key its issuer publishes */
	CHECK_VALIDITY,     /* validFrom and validUntil hold now */
	CHECK_STATUS,       /* not revoked in its issuer's status list */
	CHECK_LEDGER,       /* the entry is in the ledger under a signed tree head; for a transcript,
			     * each credential it embeds is valid and in the ledger */
	CHECK_COUNT
};
/* API names: "format", "signature", "validity", "status", "ledger". */
extern const char *const cred_check_names[];

/* Where a verifier finds the keys an issuer publishes, as its DID document names them: the
 * verification method did#fragment, for signing credentials (an assertion method) or, when
 * is_ledger, the key that signs the issuer's ledger tree heads. *ret says what was found; pk is
 * written when KEY_FOUND. An error only when the keys could not be read at all. */
enum cred_key_lookup { KEY_FOUND, KEY_NOT_PUBLISHED, KEY_ISSUER_UNKNOWN, KEY_ISSUER_UNREACHABLE };
typedef enum ll_err (*cred_key_fn)(void *ctx, const char *did, const char *fragment, bool is_ledger,
				   unsigned char pk[JOSE_ED25519_PUBLIC_BYTES], enum cred_key_lookup *ret);

/* Where a verifier learns whether the credential at index (within the list) of the status list
 * at list_url, whose issuer is did, is revoked. An error only when the list could not be read. */
enum cred_status_lookup { STATUS_CLEAR, STATUS_REVOKED, STATUS_LIST_UNKNOWN };
typedef enum ll_err (*cred_status_fn)(void *ctx, const char *did, const char *list_url, uint64_t index,
				      enum cred_status_lookup *ret);

struct cred_verifier {
	cred_key_fn key;
	cred_status_fn status;          /* NULL: status lists are not consulted */
	void *ctx;
};

/* Checks jws as of now_us with what v finds: *ret_report is {"is_valid", "checks": [{"check",
 * "status" ("passed", "failed", "not_checked"), "message", "message_en"}], "issuer", "kid",
 * "credential" (the payload when it parses), and for a transcript (a ClrCredential) "embedded":
 * the report of each credential it embeds}. It is valid when format, signature and validity
 * pass and neither status nor ledger fails (a status list that cannot be consulted, or a
 * credential without a ledger proof, leaves those not checked). A credential that is not valid is
 * a report, not an error; errors are v's. */
enum ll_err cred_verify(const struct cred_verifier *v, const char *jws, int64_t now_us, json_t **ret_report);
/* cred_verify with this node's keys: its store's issuer keys and its ledger key, for its own
 * issuer; any other issuer is unknown. */
enum ll_err cred_verify_local(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			      const char *jws, int64_t now_us, json_t **ret_report);
/* cred_verify_local, and for any other did:web issuer the keys and status lists resolver fetches
 * (NULL: other issuers are unknown). */
struct cred_resolver;
enum ll_err cred_verify_online(struct ll_store *st, const struct ll_keys *keys, const struct cred_issuer *iss,
			       struct cred_resolver *resolver, const char *jws, int64_t now_us, json_t **ret_report);

/* ---- Other issuers' documents (resolve.c) ---- */

struct fetch_policy;
/* A cache of other issuers' DID documents and status lists, fetched under policy (copied; its
 * host list is borrowed) and kept as long as their Cache-Control allows (at most an hour; five
 * minutes for a document and one for a list that do not say; a failure ten seconds). */
struct cred_resolver *cred_resolver_new(const struct fetch_policy *policy);
void cred_resolver_free(struct cred_resolver *r);
/* The address of a did:web DID's document: https://host[:port]/.well-known/did.json, or
 * /path/did.json for a DID with a path; http for a host policy names as local.
 * LL_INVALID_VALUE for anything else. */
enum ll_err cred_did_web_url(const char *did, const struct fetch_policy *policy, char out[CRED_URL_MAX]);
/* did's DID document: for a did:key (Ed25519) or did:jwk the one key it holds, made here; for a
 * did:web the document fetched (its "id" must be did). LL_INVALID_VALUE for any other DID, LL_IO
 * when it cannot be fetched. Caller owns. */
enum ll_err cred_resolve_document(struct cred_resolver *r, const char *did, json_t **ret_doc);
/* The status list credential (a JWS) at list_url, as fetched; malloc'd. */
enum ll_err cred_resolve_status_list(struct cred_resolver *r, const char *list_url, char **ret_jws);

/* cred_verify with the keys of DID documents (did.json, as /.well-known/did.json serves them),
 * n of them, and the status list credentials given (JWSs as the status lists' addresses serve
 * them; each is believed only when it verifies with the same documents), n_lists of them; all
 * borrowed. */
enum ll_err cred_verify_with_documents(const json_t *const *docs, int n, const char *const *lists, int n_lists,
				       const char *jws, int64_t now_us, json_t **ret_report);

/* ---- HTTP (credentials_http.c) ---- */

extern const struct json_field cred_issue_spec[];
extern const struct json_field cred_verify_spec[];
enum ll_err cred_http_did(struct http_req *req);
enum ll_err cred_http_jwks(struct http_req *req);
enum ll_err cred_http_issuer(struct http_req *req);
enum ll_err cred_http_key_rotate(struct http_req *req);
enum ll_err cred_http_issue(struct http_req *req);
enum ll_err cred_http_list(struct http_req *req);
enum ll_err cred_http_get(struct http_req *req);
enum ll_err cred_http_verify(struct http_req *req);
enum ll_err cred_http_status_list(struct http_req *req);
/* share_http.c */
enum ll_err cred_http_share_create(struct http_req *req);
enum ll_err cred_http_share_list(struct http_req *req);
enum ll_err cred_http_share_get(struct http_req *req);
enum ll_err cred_http_share_end(struct http_req *req);
enum ll_err cred_http_share_qr_svg(struct http_req *req);
enum ll_err cred_http_share_qr_png(struct http_req *req);
enum ll_err cred_http_shared(struct http_req *req);

#endif
