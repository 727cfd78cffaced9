/*
 * Lifelong learning accounts (终身学习账户): one per person, found by the resident ID number
 * (GB 11643, validated), numbered with a check digit, with residence down to the committee and
 * an activation date (the plan counts activations). ID and phone numbers are sealed with a keyed
 * hash for look-up; every response masks them unless the caller's role needs the whole value,
 * and every unmasked read is logged for the person to see.
 */
#ifndef LL_ACCOUNTS_H
#define LL_ACCOUNTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../base/arena.h"
#include "../base/crypto.h"
#include "../base/json.h"
#include "../base/ll_err.h"

struct ll_store;
struct ll_tx;
struct ll_keys;
struct pw_gate;
struct http_req;
struct audit_actor;

#define ID_NUMBER_LEN 18
#define ACCOUNT_NO_LEN 16
#define ACCOUNT_NO_PREFIX "31"
#define PHONE_LEN 11
/* Serials fit the 13 digits between the prefix and the check digit. */
#define ACCOUNT_SERIAL_LIMIT 10000000000000LL

/* What a valid ID number says about its holder. */
struct id_facts {
	int birth_year, birth_month, birth_day;
	char gender;           /* 'M' or 'F' */
	char region[7];        /* first six digits */
};

/* --- rules (accounts.c, no I/O) --- */
/* Validates a GB 11643 number: 17 digits and a check character (0-9 or X), a real province
 * code, a real birth date not in the future and not before 1900. */
enum ll_err id_number_check(const char *id, int64_t now_us, struct id_facts *ret_facts);
/* The check character for 17 digits. */
char id_number_check_char(const char *first17);
/* Validates a mainland mobile number (11 digits starting 13-19). */
enum ll_err phone_check(const char *phone);
/* Formats account number for a serial: "31" + 13 digits + Luhn digit. */
void account_no_format(int64_t serial, char out[ACCOUNT_NO_LEN + 1]);
/* True if s is 16 digits with the right prefix and Luhn digit. */
bool account_no_is_valid(const char *s);
/* "310***********123X" for an ID number; "138****5678" for a phone. */
void mask_id_number(const char *id, char out[ID_NUMBER_LEN + 1]);
void mask_phone(const char *phone, char out[PHONE_LEN + 1]);

/* The stored forms of a person's ID and phone numbers: sealed, keyed look-up hash, and masked. */
struct person_secrets {
	unsigned char id_hash[CRYPTO_HASH_BYTES];
	unsigned char id_sealed[ID_NUMBER_LEN + CRYPTO_SEAL_OVERHEAD];
	char id_masked[ID_NUMBER_LEN + 1];
	bool has_phone;
	unsigned char phone_hash[CRYPTO_HASH_BYTES];
	unsigned char phone_sealed[PHONE_LEN + CRYPTO_SEAL_OVERHEAD];
	char phone_masked[PHONE_LEN + 1];
};
/* Computes the stored forms of an already checked ID number (its check character 'x' is stored
 * as 'X', so that both spellings find the same person) and phone (NULL: none). Seals with a
 * random nonce, so two calls give different ciphertexts of the same values. */
void person_secrets_compute(const struct ll_keys *keys, const char *id_number, const char *phone,
			    struct person_secrets *ret);

/* A person's account, as stored (strings arena-owned). */
struct account {
	const char *id;
	const char *account_no;
	const char *name;
	const char *id_masked;
	const char *phone_masked;
	const char *id_number;     /* NULL unless revealed */
	const char *phone;         /* NULL unless revealed */
	const char *birth_date;
	const char *gender;
	const char *district_code, *district_name;
	const char *subdistrict_code, *subdistrict_name;
	const char *committee_code, *committee_name;
	const char *registered_by;
	bool is_activated;
	int64_t activated_at;
	int64_t created_at;
};

struct account_in {
	const char *name;
	const char *id_number;
	const char *phone;           /* optional */
	const char *committee_code;
	const char *password;        /* optional: given, the account is activated and can sign in */
	const char *registered_by;   /* institution id, when staff register the person */
};
extern const struct json_field account_create_spec[];

struct activate_in {
	const char *account_no;
	const char *id_number;
	const char *password;
};
extern const struct json_field account_activate_spec[];

/* Who is asking, for scoping and revealing. */
struct account_scope {
	unsigned role;                   /* enum role bit */
	const char *institution_id;      /* staff: sees persons their institution registered */
	const char *district_code;       /* district office: persons living in the district */
	const char *person_id;           /* citizen: only themself */
};

/* --- storage (accounts_db.c) --- */
/* Registers a person (and a citizen user when a password is given). LL_DUPLICATE_PERSON when the
 * ID number already has an account. */
enum ll_err account_create(struct ll_store *st, const struct ll_keys *keys, struct pw_gate *g,
			   const struct account_in *in, const struct audit_actor *actor, struct arena *a,
			   struct account *ret);
/* Activates an account registered by an institution: proves the ID number, sets a password. */
enum ll_err account_activate(struct ll_store *st, const struct ll_keys *keys, struct pw_gate *g,
			     const struct activate_in *in, const struct audit_actor *actor, struct arena *a,
			     struct account *ret);
/* Loads an account the scope may see; reveal opens the sealed numbers and logs the read. */
enum ll_err account_get(struct ll_store *st, const struct ll_keys *keys, const char *id,
			const struct account_scope *scope, bool reveal, const char *purpose,
			const struct audit_actor *actor, struct arena *a, struct account *ret);
/* Finds accounts the scope may see: by account number, by ID number, or the newest of a district. */
enum ll_err account_search(struct ll_store *st, const struct ll_keys *keys, const struct account_scope *scope,
			   const char *account_no, const char *id_number, const char *district_code,
			   const char *after_id, int limit, json_t **ret_page);
/* Accounts and activations per district, with the 2020 population. */
enum ll_err account_stats(struct ll_store *st, const struct account_scope *scope, json_t **ret_stats);
/* Reserves n consecutive account serials; *ret_first is the first. */
enum ll_err account_reserve_serials(struct ll_tx *tx, int64_t n, int64_t *ret_first);
json_t *account_json(const struct account *acc);

/* --- HTTP (accounts_http.c) --- */
enum ll_err accounts_http_create(struct http_req *req);
enum ll_err accounts_http_activate(struct http_req *req);
enum ll_err accounts_http_get(struct http_req *req);
enum ll_err accounts_http_search(struct http_req *req);
enum ll_err accounts_http_mine(struct http_req *req);
enum ll_err accounts_http_stats(struct http_req *req);

#endif
