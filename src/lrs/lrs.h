/*
 * The learning record store (LRS): xAPI 1.0.3 statements that online classrooms, live classes and
 * elder MOOCs send to /xapi, checked against the specification, stored once, and joined to the
 * lifelong accounts of the people they are about. This header is the module's whole public face.
 */
#ifndef LL_LRS_H
#define LL_LRS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/json.h"
#include "../base/ll_err.h"

/* The version this LRS speaks, and the one it records on a statement that names none. */
#define LRS_VERSION "1.0.3"
#define LRS_STATEMENT_VERSION_DEFAULT "1.0.0"
/* The verb of a voiding statement. */
#define LRS_VERB_VOIDED "http://adlnet.gov/expapi/verbs/voided"
/* The usage type of an attachment that carries a statement's signature (a JWS). */
#define LRS_USAGE_SIGNATURE "http://adlnet.gov/expapi/attachments/signature"

/* Longest inverse functional identifier key (see lrs_actor_key) and IRI this LRS stores. */
#define LRS_KEY_MAX 2048
#define LRS_ATTACHMENTS_MAX 32
#define LRS_RELATED_MAX 64

/* ---- Statements (statement.c): the rules of xAPI 1.0.3 part two, no I/O ---- */

/* What of a checked statement the store indexes. Strings are borrowed from the statement's JSON
 * (or, for agent keys, from keys[]), and live as long as it does. */
struct lrs_attachment_ref {
	const char *usage_type;
	const char *sha2;               /* lowercase hex */
	const char *content_type;
	int64_t length;
	bool has_file_url;
	bool is_sub;                    /* declared by the statement's sub-statement */
	int index;                      /* its place in the attachments it was declared among */
};

struct lrs_statement {
	json_t *json;                   /* the statement as it will be stored (a new reference) */
	const char *id;                 /* lowercase UUID */
	const char *actor_key;          /* the actor's key; NULL for an anonymous group */
	const char *verb_id;
	/* The object: an activity id, an agent's key, or a statement id (StatementRef); a sub-statement
	 * has none of the three. */
	const char *object_activity;
	const json_t *object_definition; /* the object activity's definition, when it has one */
	const char *object_agent_key;
	const char *object_statement;
	const char *registration;       /* lowercase UUID or NULL */
	int64_t timestamp_us;           /* when has_timestamp; else the stored time, once stored */
	bool has_timestamp;
	bool is_voiding;                /* its verb voids object_statement */
	/* Agents and activities anywhere in the statement other than its actor and object, for the
	 * related_agents and related_activities queries (deduplicated). */
	const char *related_agents[LRS_RELATED_MAX];
	int n_related_agents;
	const char *related_activities[LRS_RELATED_MAX];
	int n_related_activities;
	/* Members of an anonymous-group actor or object, whose keys match the agent query. */
	const char *member_keys[LRS_RELATED_MAX];
	int n_member_keys;
	/* The statement's attachments and its sub-statement's (is_sub). */
	struct lrs_attachment_ref attachments[LRS_ATTACHMENTS_MAX];
	int n_attachments;
	json_t *pool;                   /* strings built while checking (agent keys, lowercase ids) */
	/* json as compact text, made where the request is checked so that the one writer thread
	 * only appends "stored" (and "timestamp" when absent) before the closing brace. */
	char *text;
	size_t text_len;
	char *definition_text;          /* object_definition as text, keys sorted */
};

/* Who stores a statement: the client's authority agent (an account under the city's homePage
 * named by the client's key), and the id to give a statement that has none. */
struct lrs_stamp {
	const json_t *authority;        /* borrowed; copied into the statement */
	const char *id;                 /* a UUID */
};

/* Checks one statement as received (obj, borrowed) against xAPI 1.0.3 and builds the form it is
 * stored in: the given id or stamp->id, "authority" from stamp, "version" when absent, and every
 * contextActivities property as an array ("stored", and "timestamp" when absent, are set when it
 * is stored). A failure is LL_INVALID_VALUE,
 * LL_MISSING_FIELD, LL_WRONG_TYPE or LL_UNKNOWN_FIELD (HTTP 400) naming the property by its path
 * under prefix (e.g. "[2].actor.mbox"); nothing is kept then. On success the caller releases
 * *ret with lrs_statement_release. */
enum ll_err lrs_statement_check(const json_t *obj, const char *prefix, const struct lrs_stamp *stamp,
				struct lrs_statement *ret);
void lrs_statement_release(struct lrs_statement *s);

/* Whether v is a version of xAPI 1.0 as the version header and a statement's version carry it:
 * "1.0" (read as 1.0.0), or "1.0." and a patch number, with a pre-release after a hyphen or not
 * ("1.0.3", "1.0.10", "1.0.0-beta"). */
bool lrs_version_is_1_0(const char *v);

/* The path of property leaf ("" for the attachment itself) of attachment a, after prefix ("" or
 * "[i]." in a batch): "attachments[k].leaf", or "object.attachments[k].leaf" for its
 * sub-statement's. */
void lrs_attachment_path(const struct lrs_attachment_ref *a, const char *prefix, const char *leaf, char *out,
			 size_t size);

/* True when two stored forms of a statement say the same thing, as xAPI compares a statement
 * sent again with the one it holds: apart from what the LRS sets (id, stored, authority, version,
 * a timestamp it filled in), attachments, activity definitions and verb displays, the order of
 * keys and of a group's members, the case of an mbox's domain and of hexadecimal identifiers, a
 * timestamp's offset and an absent objectType's default; numbers compare by value. */
bool lrs_statement_same(const json_t *a, const json_t *b);

/* The key of an agent or identified group: its inverse functional identifier as one string
 * ("mbox:mailto:a@b.cn", "sha1:<hex>", "openid:<uri>", "account:<homePage> <name>"), written to
 * out (LRS_KEY_MAX bytes). LL_INVALID_VALUE or LL_MISSING_FIELD (naming prefix) when obj is not
 * an agent or group with exactly one identifier. Used for the agent query parameter too. */
enum ll_err lrs_actor_key(const json_t *obj, const char *prefix, char out[LRS_KEY_MAX]);

/* Checks an xAPI timestamp (ISO 8601 as xAPI restricts it: with an offset, or none meaning UTC,
 * but never the unknown offset -00:00) and gives its time. */
bool lrs_timestamp_parse(const char *s, int64_t *ret_us);
/* t as xAPI writes stored times: UTC with milliseconds ("2026-11-24T01:30:00.123Z"). */
void lrs_time_format(int64_t t_us, char out[32]);
/* Checks an ISO 8601 duration ("PT1H30M", "P1DT2.5S", "P3W"). */
bool lrs_duration_is_valid(const char *s);
/* A valid duration in milliseconds, a year counted as 365 days and a month as 30; false when s
 * is not valid or does not fit. */
bool lrs_duration_ms(const char *s, int64_t *ret_ms);
/* Checks an RFC 5646 language tag for well-formedness ("zh-CN", "en", "zh-Hans-CN"). */
bool lrs_language_tag_is_valid(const char *s);
/* Checks an absolute IRI: a scheme, a colon and no characters an IRI cannot hold. */
bool lrs_iri_is_valid(const char *s);
/* Checks a UUID in its hyphenated 8-4-4-4-12 hexadecimal form. */
bool lrs_uuid_is_valid(const char *s);

/* ---- Storing and reading statements (lrs_db.c) ---- */

struct ll_store;
struct ll_tx;
struct arena;
struct store_session;
struct lrs_cache;

/* Numbers of IRIs and agent keys already in the store, kept across transactions so that a
 * statement's verb, activity and agents cost no look-up once seen. One per store; thread-safe.
 * Caller frees with lrs_cache_free (NULL is fine). */
struct lrs_cache *lrs_cache_new(void);
struct lrs_cache *lrs_cache_free(struct lrs_cache *c);

/* The content of an attachment a request carried, by its SHA-2 (lowercase hex). Borrowed. */
struct lrs_payload {
	const char *sha2;
	const char *content_type;
	const void *data;
	size_t len;
	bool is_verified;               /* the bytes have the SHA-2 sha2 says */
};

/* One request's statements: stored all together or not at all. */
struct lrs_batch {
	struct lrs_statement *statements;
	int n;
	const struct lrs_payload *payloads;
	int n_payloads;
	const char *client_id;
	const char *institution_id;     /* the client's; NULL: looked up */
	/* Set by lrs_batches_store: LL_OK, or LL_CONFLICT when a statement's id is taken by a statement
	 * that says something else (message and field name it); stored counts the statements stored
	 * now, without those the store held already. */
	enum ll_err err;
	struct ll_error detail;
	int stored;
	/* The writer's (writer.c). */
	struct lrs_batch *next;
	void (*on_done)(struct lrs_batch *b, void *ctx);
	void *done_ctx;
};

/* Where the lifelong accounts live: an actor with an account of this homePage, named by an
 * account number, is that person. */
#define LRS_HOME_PAGE_MAX 200

/* Stores the statements of n batches in one transaction (one commit for every request waiting,
 * so that concurrent requests share the cost of making it durable), each batch whole or not at
 * all; sets each batch's err. A statement whose id the store (or an earlier batch) holds with the
 * same content is stored again as nothing; with other content its batch fails with LL_CONFLICT.
 * A voiding statement voids its target (now, or when the target arrives later); a statement
 * whose actor is a lifelong account of home_page is that person's. Returns an error only when
 * the transaction failed as a whole (every batch then has it). It runs on session's connection
 * when given (the writer's), else on any of st's. cache may be NULL. */
enum ll_err lrs_batches_store(struct ll_store *st, struct store_session *session, struct lrs_cache *cache,
			      const char *home_page, struct lrs_batch *const *batches, int n);

/* ---- Clients: the learning platforms that send xAPI (clients_db.c) ---- */

struct ll_keys;
struct audit_actor;
struct lrs_clients;

#define LRS_CLIENT_KEY_MAX 40
struct lrs_client {
	char id[40];
	char institution_id[40];
	char name[104];
	char key[LRS_CLIENT_KEY_MAX];
	bool is_trusted;                /* its completions may deposit outcomes */
};

/* A cache of checked credentials (a few seconds each). Caller frees with lrs_clients_free. */
struct lrs_clients *lrs_clients_new(void);
struct lrs_clients *lrs_clients_free(struct lrs_clients *c);
/* Drops key from the cache (after a revocation). */
void lrs_clients_forget(struct lrs_clients *c, const char *key);
/* The client whose key and secret these are (HTTP Basic's user name and password);
 * LL_BAD_CREDENTIALS for an unknown or revoked key or a wrong secret. cache may be NULL. */
enum ll_err lrs_client_authenticate(struct ll_store *st, const struct ll_keys *keys, struct lrs_clients *cache,
				    const char *key, const char *secret, struct lrs_client *ret);
/* The authority a client's statements carry: an agent whose account is the client's key under
 * home_page's /xapi/clients. Caller owns the reference. */
json_t *lrs_client_authority(const struct lrs_client *c, const char *home_page);
/* Issues credentials to institution_id's platform name; *ret_obj holds the key and the secret,
 * which is shown this once (caller owns it). */
enum ll_err lrs_client_create(struct ll_store *st, const struct ll_keys *keys, const char *institution_id,
			      const char *user_id, const char *name, bool is_trusted, const struct audit_actor *actor,
			      json_t **ret_obj);
/* The institution's clients, newest first, with how many statements each sent. */
enum ll_err lrs_client_list(struct ll_store *st, const char *institution_id, json_t **ret_page);
/* Revokes a client of the institution (LL_NOT_FOUND for another's, LL_CONFLICT when revoked
 * already); its key stops working at once here and within seconds on other servers. */
enum ll_err lrs_client_revoke(struct ll_store *st, struct lrs_clients *cache, const char *institution_id,
			      const char *id, const struct audit_actor *actor);

/* ---- The writer (writer.c): one thread that stores what every request hands it ---- */

struct lrs_writer;

/* Starts the thread that stores the batches requests submit, everything waiting at once in one
 * transaction (lrs_batches_store), so that a commit made durable serves every request that
 * arrived while the previous one was being written. st, cache and home_page are borrowed and must
 * outlive the writer. Caller stops it with lrs_writer_stop. */
enum ll_err lrs_writer_start(struct ll_store *st, struct lrs_cache *cache, const char *home_page,
			     struct lrs_writer **ret_writer);
/* Queues b; on_done(b, ctx) runs on the writer's thread once b is stored or refused (b->err).
 * b must stay valid until then. LL_BUSY when the writer is stopping. */
enum ll_err lrs_writer_submit(struct lrs_writer *w, struct lrs_batch *b,
			      void (*on_done)(struct lrs_batch *b, void *ctx), void *ctx);
/* Stores what is queued and stops the thread; later submissions get LL_BUSY. w stays valid. */
void lrs_writer_drain(struct lrs_writer *w);
/* Drains w, then frees it (NULL is fine); returns NULL. */
struct lrs_writer *lrs_writer_stop(struct lrs_writer *w);
/* A time after which every statement stored through w but not committed yet has its stored
 * time: a millisecond before now, or before the start of the commit being made. A read begun
 * after asking sees every statement stored up to it (X-Experience-API-Consistent-Through). */
int64_t lrs_writer_consistent_through(struct lrs_writer *w);
struct lrs_writer_stats {
	uint64_t commits, batches, statements;
};
void lrs_writer_get_stats(struct lrs_writer *w, struct lrs_writer_stats *ret_stats);

/* ---- Queries (query_db.c) ---- */

/* The most statements one page holds (limit=0 asks for this). */
#define LRS_PAGE_MAX 500

/* GET /xapi/statements' filters, checked. Strings are borrowed. */
struct lrs_query {
	const char *agent_key;          /* lrs_actor_key of the agent parameter */
	const char *verb_id, *activity_id;
	const char *registration;       /* lowercase UUID */
	bool is_related_agents, is_related_activities, is_ascending;
	int64_t since_us, until_us;     /* 0: none; since is exclusive, until inclusive */
	int limit;                      /* 1..LRS_PAGE_MAX; anything else is LRS_PAGE_MAX */
	int64_t after_seq;              /* continue after this statement (0: from the first) */
	const char *institution_id;     /* only statements its clients stored; NULL: all */
};

struct lrs_page {
	json_t *statements;             /* the stored forms, in order (caller owns the reference) */
	bool has_more;
	int64_t last_seq;               /* of the page's last statement: where the next page starts */
	int64_t newest_stored_us;
};

/* One page of the statements that match q and are not voided, newest first unless ascending. A
 * statement matches a filter by its own properties or by those of the statement its
 * StatementRef object names; the agent filter matches its actor, its object and the members of
 * an anonymous group there (with related_agents also authority, instructor, team and a
 * sub-statement's agents); the activity filter its object (with related_activities also context
 * activities and a sub-statement's). */
enum ll_err lrs_query_run(struct ll_store *st, const struct lrs_query *q, struct lrs_page *ret);

/* The activity of id as the institution's statements define it (its canonical definition: each
 * language of name and description as last given, every other part as last given), as
 * {"objectType":"Activity","id":…,"definition":…}; without a definition when none was given.
 * Caller owns the reference. */
enum ll_err lrs_activity_get(struct ll_store *st, const char *institution_id, const char *id, json_t **ret);

/* The statements about person_id (those whose actor is their lifelong account), not voided,
 * newest first, limit a page, continuing after the page whose "next" was after (NULL: the
 * first): {"items":[statements], "next"?}. Caller owns *ret_page. */
enum ll_err lrs_person_activity(struct ll_store *st, const char *person_id, const char *after, int limit,
				json_t **ret_page);

/* A statement about a person, as those that follow the store (check-ins, points) see it.
 * Strings are owned by the arena given to lrs_learning_since. */
struct lrs_learning {
	int64_t seq;
	const char *id, *person_id, *verb;
	const char *institution_type;   /* of the institution whose platform sent it */
	int64_t timestamp_us, stored_us;
	int64_t duration_ms;            /* its result's duration; -1 when none */
	const char *title;              /* its activity's name, Chinese first; NULL when none */
	const char *title_en;           /* the same, English first */
};
/* The statements stored after seq after_seq that are about a linked person, neither voiding nor voided,
 * in the order they were stored, at most limit, inside tx: *ret_items (arena-owned) and *ret_n;
 * *ret_next is where the next call continues (past statements that are about nobody). */
enum ll_err lrs_learning_since(struct ll_tx *tx, int64_t after_seq, int limit, struct arena *a,
			       struct lrs_learning **ret_items, int *ret_n, int64_t *ret_next);

/* The stored data of the attachments whose SHA-2s (lowercase hex, borrowed) are sha2s[0..n),
 * those the store holds, into ret[0..*ret_n) (room for n; sha2 borrowed, data and content_type
 * to release with lrs_payloads_release). */
enum ll_err lrs_attachments_get(struct ll_store *st, const char *const *sha2s, int n, struct lrs_payload *ret,
				int *ret_n);
void lrs_payloads_release(struct lrs_payload *p, int n);

/* The stored statement of id (any case) into *ret_body (caller frees with free()): with
 * is_voided false only when it is not voided, with is_voided true only when it is (the
 * statementId and voidedStatementId queries), and only one that a client of institution_id
 * stored (NULL: any). LL_NOT_FOUND otherwise. */
enum ll_err lrs_statement_get(struct ll_store *st, const char *id, bool is_voided, const char *institution_id,
			      char **ret_body);

/* ---- Documents: state, activity profiles, agent profiles (docs_db.c) ---- */

#define LRS_CONTENT_TYPE_MAX 128
enum lrs_doc_kind { LRS_DOC_STATE, LRS_DOC_ACTIVITY_PROFILE, LRS_DOC_AGENT_PROFILE };

/* Where a document lives. Parts a kind does not have are NULL (stored as ''); id NULL names every
 * document of the rest of the key (listing; deleting state). registration NULL with id NULL
 * means every registration. Strings are borrowed. */
struct lrs_doc_key {
	enum lrs_doc_kind kind;
	const char *institution_id;
	const char *activity_id, *agent_key, *registration, *id;
};

struct lrs_doc_write {
	const char *content_type;
	const void *body;
	size_t len;
	const char *if_match, *if_none_match;   /* the request's headers, or NULL */
	bool is_merge;                          /* POST: merge JSON objects */
	bool is_etag_required;                  /* profiles: an existing one is overwritten only by If-Match */
};

/* A document as stored; body is caller-freed (free()). */
struct lrs_document {
	char *body;
	size_t len;
	char content_type[LRS_CONTENT_TYPE_MAX];
	char etag[41];
	int64_t updated_us;
};

/* The ETag of a document: the lowercase hex SHA-1 of its bytes, as xAPI requires. */
void lrs_etag(const void *body, size_t len, char out[41]);
/* Writes (PUT) or merges (POST) a document. LL_PRECONDITION_FAILED (412) when If-Match names
 * another ETag or If-None-Match one that exists; LL_CONFLICT (409) when is_etag_required and the
 * document exists but neither header was sent; LL_INVALID_VALUE when a POST would merge anything
 * but two JSON objects; LL_INVALID_JSON when a posted application/json body is no JSON object.
 * Nothing is written then. */
enum ll_err lrs_document_write(struct ll_store *st, const struct lrs_doc_key *k, const struct lrs_doc_write *w);
enum ll_err lrs_document_get(struct ll_store *st, const struct lrs_doc_key *k, struct lrs_document *ret);
/* The ids of the documents of k (id NULL) updated after since_us (0: all), as a JSON array the
 * caller owns; *ret_newest_us the latest update among them. */
enum ll_err lrs_document_ids(struct ll_store *st, const struct lrs_doc_key *k, int64_t since_us, json_t **ret_ids,
			     int64_t *ret_newest_us);
/* Deletes a document (a missing one is no error) or, with id NULL, all of k; If-Match as above. */
enum ll_err lrs_document_delete(struct ll_store *st, const struct lrs_doc_key *k, const char *if_match);

/* ---- Signed statements (jws.c): a check that catches mistakes, not a proof of who signed: no
 * certificate is trusted and none is fetched ---- */

/* Longest JWS checked, in bytes; a longer one is refused. */
#define LRS_JWS_MAX (1 << 20)
/* Most certificates an x5c chain may hold. */
#define LRS_JWS_CHAIN_MAX 8

struct lrs_signature_result {
	char alg[8];                    /* "RS256", "RS384" or "RS512" */
	bool has_key;                   /* the JWS header carried a certificate (x5c) */
	bool is_verified;               /* the signature verified with that certificate's key */
};

/* Checks the signature of a signed statement: jws (len bytes, the raw data of the statement's
 * attachment whose usageType is LRS_USAGE_SIGNATURE; trailing white space is ignored) must be a
 * JWS in compact serialization whose header is a JSON object with alg RS256, RS384 or RS512 and
 * no crit, and whose payload is a JSON object that is the same statement as statement (borrowed;
 * as received, or the stored form lrs_statement_check made, either works). "The same" is
 * lrs_statement_same's comparison made stricter, as a signature covers more than a statement sent
 * again: verb displays, activity definitions and the attachments other than the signature count
 * too, an id present on both sides must agree, and so must the versions (an absent one being
 * LRS_STATEMENT_VERSION_DEFAULT, which the LRS records for it).
 *
 * When the header has x5c (a certificate chain, standard base64 DER), each certificate must be
 * signed by the next one and the signature must verify with the first one's key (RSA, at least
 * 2048 bits); the certificates' dates are not checked, since a statement may be sent long after
 * it was signed. Without x5c nothing can be verified: the statement is accepted and reported so
 * (has_key and is_verified false), as xAPI expects.
 *
 * Returns LL_OK and fills *ret; LL_INVALID_VALUE naming field (e.g. "attachments[1]"; NULL means
 * "signature") with a message saying what is wrong: a malformed JWS, an unsupported alg, a
 * payload that is not JSON or not the statement, a bad certificate, a signature that does not
 * verify; LL_NOMEM. Allocates nothing that outlives the call. */
enum ll_err lrs_signature_verify(const json_t *statement, const void *jws, size_t len, const char *field,
				 struct lrs_signature_result *ret);

/* ---- multipart/mixed for the statement resource (multipart.c): reading a PUT or POST that
 * carries attachments' raw data, tying its parts to the statements' attachment declarations, and
 * writing a GET ?attachments=true answer; a part's content is pointed at, never copied ---- */

/* The most parts a request's body may hold that a handler is expected to allow: the statements
 * and one part per distinct attachment. */
#define LRS_PARTS_MAX 128
/* Longest SHA-2 in hexadecimal (SHA-512), and the longest Content-Transfer-Encoding kept. */
#define LRS_SHA2_HEX_MAX 128
#define LRS_TRANSFER_ENCODING_MAX 32
/* Room for "multipart/mixed; boundary=" and the boundary lrs_multipart_write chooses. */
#define LRS_MULTIPART_TYPE_MAX 96

/* One body part as read: the headers xAPI looks at (names matched in any case; values trimmed
 * of surrounding blanks; the hash lowercased) and its content, which points into the body that
 * was parsed and lives as long as it does. Other headers are read past and dropped. */
struct lrs_part {
	const char *data;                               /* not NUL-terminated; may hold NULs */
	size_t len;
	bool has_content_type, has_transfer_encoding, has_hash;
	char content_type[LRS_CONTENT_TYPE_MAX];        /* "" when absent */
	char transfer_encoding[LRS_TRANSFER_ENCODING_MAX];
	char hash[LRS_SHA2_HEX_MAX + 1];                /* X-Experience-API-Hash */
};

/* Reads a multipart/mixed body (RFC 2046) of len bytes. content_type is the request's
 * Content-Type header: multipart/mixed with a boundary parameter, quoted or not. Lines may end
 * in CRLF or a bare LF; a preamble before the first delimiter, an epilogue after the close
 * delimiter and a body that ends right after it are accepted. Fills parts[0..*ret_n) in order.
 * Failures, with the field named (parts counted from 0):
 *   LL_INVALID_VALUE "Content-Type"  not multipart/mixed, or a parameter that does not parse
 *   LL_MISSING_FIELD "boundary"      no boundary parameter
 *   LL_INVALID_VALUE "boundary"      a boundary RFC 2046 does not allow (1-70 of its characters),
 *                                    a body without a delimiter line of it, or no close delimiter
 *   LL_OUT_OF_RANGE  "parts"         more than max_parts parts
 *   LL_INVALID_VALUE "parts[i]"      a header line without a colon or a name, or too many lines
 *   LL_TOO_LONG "parts[i].<header>"  a value longer than its field above can hold
 * parts is written even on failure; *ret_n only on success. */
enum ll_err lrs_multipart_parse(const char *content_type, const char *body, size_t len, struct lrs_part *parts,
				int max_parts, int *ret_n);

/* The statements' part: parts[0], which xAPI requires to be application/json (parameters
 * allowed). Gives its content to decode and check with lrs_statement_check (borrowed from the
 * body). LL_MISSING_FIELD or LL_INVALID_VALUE "parts[0].Content-Type" otherwise. */
enum ll_err lrs_multipart_statements(const struct lrs_part *parts, int n, const char **ret_json, size_t *ret_len);

/* Applies xAPI's rules to the parts of a request once the statements of parts[0] are checked
 * (statements[0..n_statements), as lrs_statement_check made them): parts[0] is
 * application/json; every later part is an attachment's data with Content-Transfer-Encoding:
 * binary and an X-Experience-API-Hash that is a SHA-2 in hex equal (in any case) to the sha2 of
 * an attachment the statements declare; every declared attachment without a fileUrl has a part.
 * The bytes are not refused for their hash or length: a payload says whether its bytes have its
 * hash (is_verified). Failures:
 *   LL_MISSING_FIELD / LL_INVALID_VALUE "parts[0].Content-Type"   as lrs_multipart_statements
 *   LL_INVALID_VALUE "parts[i].Content-Type"         a later application/json part without a hash
 *                                                    (every statement belongs in parts[0])
 *   LL_MISSING_FIELD / LL_INVALID_VALUE "parts[i].X-Experience-API-Hash"   absent; not a SHA-2 in
 *                                                    hex; or no declared attachment has it
 *   LL_MISSING_FIELD / LL_INVALID_VALUE "parts[i].Content-Transfer-Encoding"   absent; not binary
 *   LL_MISSING_FIELD "attachments[k].sha2" ("[j].attachments[k].sha2" when parts[0] holds an
 *                                                    array; "object.attachments[k].sha2" for a
 *                                                    sub-statement's)   a declared attachment has
 *                                                    no part
 * On success payloads[0..*ret_n_payloads) holds the data to store, one per distinct hash, in the
 * order of the parts: sha2 (lowercase) and data borrowed from parts, content_type from the first
 * declaration of that hash (borrowed from the statement). payloads must have room for n - 1. */
enum ll_err lrs_multipart_check(const struct lrs_part *parts, int n, const struct lrs_statement *statements,
				int n_statements, struct lrs_payload *payloads, int *ret_n_payloads);

/* Writes a GET ?attachments=true answer: a multipart/mixed body whose first part is json
 * (Content-Type: application/json) and whose later parts are payloads[0..n), each with its
 * Content-Type (application/octet-stream when it has none), Content-Transfer-Encoding: binary and
 * X-Experience-API-Hash. The boundary is random, letters and digits only, and found in no part;
 * ret_content_type gets the header to send with it ("multipart/mixed; boundary=<b>", unquoted).
 * Needs libsodium initialised (crypto_init). Caller frees *ret_body with free(). LL_NOMEM when
 * memory runs out; LL_INTERNAL when a payload's sha2 is not hex. */
enum ll_err lrs_multipart_write(const char *json, size_t json_len, const struct lrs_payload *payloads, int n,
				char ret_content_type[LRS_MULTIPART_TYPE_MAX], char **ret_body, size_t *ret_len);

/* ---- Completions of catalogued units, deposited in the credit bank (deposit_db.c) ---- */

/* Deposits the completions stored since the last call (at most limit): a completed or passed
 * statement from a trusted client about a person with a lifelong account, whose activity is
 * HOME_PAGE/units/CODE for an approved certification unit of the client's institution, becomes
 * that institution's outcome through the entry standard of its kind, with the statement's id as
 * its external id. *ret_done: how many completions were looked at (0: caught up). */
enum ll_err lrs_deposit_follow(struct ll_store *st, const char *home_page, int limit, int *ret_done);
/* The institution's latest completions and what depositing each gave:
 * {"items":[{"statement_id","unit_code","status":"stored"|"pending"|"refused","error_code","detail",
 * "outcome_id","created_at","person":{"account_no","name"}}]}. */
enum ll_err lrs_deposit_list(struct ll_store *st, const char *institution_id, json_t **ret_page);

/* Inside a writing transaction, waits until no other transaction stores statements (on
 * PostgreSQL an advisory lock held to the end of tx; SQLite writes one at a time anyway): what
 * tx reads of the statements then stays true until it commits. */
enum ll_err lrs_write_lock(struct ll_tx *tx);

/* ---- Claiming statements about other identifiers (claims_db.c) ---- */

#define LRS_CLAIM_CODE_LEN 11   /* XXXXX-XXXXX */
/* The person a claimed agent (its lrs_actor_key) is linked to, or NULL (caller frees), inside tx. */
enum ll_err lrs_agent_person(struct ll_tx *tx, const char *agent_key, char **ret_person_id);
/* A one-time code, valid for a day, with which the person the client knows as agent claims the
 * agent's statements: {"code","expires_at"}. LL_INVALID_VALUE naming "agent" for a lifelong
 * account (already linked) or an agent without one identifier; LL_CONFLICT when another person
 * claimed the agent already. */
enum ll_err lrs_claim_code_issue(struct ll_store *st, const struct ll_keys *keys, const struct lrs_client *client,
				 const char *home_page, const json_t *agent, json_t **ret);
struct lrs_claim_in {
	const char *code;
};
extern const struct json_field lrs_claim_spec[];
/* Links the agent of code to person_id; its statements stored so far join the person's activity,
 * and so do later ones: {"agent","statements":N}. LL_INVALID_CLAIM_CODE for an unknown, used or
 * expired code; LL_CONFLICT when the agent is another person's. */
enum ll_err lrs_claim(struct ll_store *st, const struct ll_keys *keys, const char *person_id, const char *code,
		      const struct audit_actor *actor, json_t **ret);
/* The agents person_id claimed: {"items":[{"id","agent","created_at","institution","statements"}]}. */
enum ll_err lrs_claims_list(struct ll_store *st, const char *person_id, json_t **ret_page);
/* Undoes a claim: the agent's statements are about nobody again. */
enum ll_err lrs_claim_undo(struct ll_store *st, const char *person_id, const char *id, const struct audit_actor *actor);

/* ---- The LRS of a serving process (service.c) ---- */

#define LRS_HOME_PAGE_DEFAULT "https://lifelong.sh.cn"

struct lrs_service {
	struct ll_store *st;
	const struct ll_keys *keys;
	struct lrs_cache *cache;
	struct lrs_clients *clients;
	struct lrs_writer *writer;
	char home_page[LRS_HOME_PAGE_MAX];  /* of the lifelong accounts; clients' under /xapi/clients */
};

/* Starts the writer and the caches over st (keys for client secrets); home_page NULL means
 * LRS_HOME_PAGE_DEFAULT. Caller stops it with lrs_service_stop once no request can reach it. */
enum ll_err lrs_service_start(struct ll_store *st, const struct ll_keys *keys, const char *home_page,
			      struct lrs_service **ret);
/* Stores what is queued and answers it; from then on requests to store are refused (503), so the
 * HTTP server can stop with no request left waiting. */
void lrs_service_drain(struct lrs_service *s);
/* Drains s, then frees it (NULL is fine); returns NULL. */
struct lrs_service *lrs_service_stop(struct lrs_service *s);

/* ---- Handlers (lrs_http.c) ---- */

struct http_req;
enum ll_err lrs_http_check(struct http_req *req);
enum ll_err lrs_http_authenticate(struct http_req *req);
void lrs_http_decorate(struct http_req *req);
void lrs_http_decorate_statements(struct http_req *req);
enum ll_err lrs_http_about(struct http_req *req);
enum ll_err lrs_http_statements_put(struct http_req *req);
enum ll_err lrs_http_statements_post(struct http_req *req);
enum ll_err lrs_http_statements_get(struct http_req *req);
enum ll_err lrs_http_document(struct http_req *req);
enum ll_err lrs_http_activities(struct http_req *req);
enum ll_err lrs_http_agents(struct http_req *req);
enum ll_err lrs_http_clients(struct http_req *req);
enum ll_err lrs_http_deposits(struct http_req *req);
enum ll_err lrs_http_claim_code(struct http_req *req);
enum ll_err lrs_http_claim(struct http_req *req);
enum ll_err lrs_http_claims(struct http_req *req);
enum ll_err lrs_http_claim_undo(struct http_req *req);
enum ll_err lrs_http_my_activity(struct http_req *req);
enum ll_err lrs_http_client_create(struct http_req *req);
enum ll_err lrs_http_client_revoke(struct http_req *req);
extern const struct json_field lrs_client_spec[];

#endif
