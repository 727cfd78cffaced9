/*
 * The organisation of the city: the division tree 市-区-街镇-居村委 with official statistical
 * codes (loaded from the embedded reference data), district populations, and the institutions
 * that teach, certify or administer learning, each with a type and a district.
 */
#ifndef LL_ORG_H
#define LL_ORG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../base/arena.h"
#include "../base/json.h"
#include "../base/ll_err.h"

struct ll_store;
struct ll_tx;
struct http_req;
struct audit_actor;

#define ORG_CITY_CODE "310000000000"
#define ORG_CODE_LEN 12

enum division_level { DIVISION_CITY = 1, DIVISION_DISTRICT = 2, DIVISION_SUBDISTRICT = 3, DIVISION_COMMITTEE = 4 };

struct division {
	char code[ORG_CODE_LEN + 1];
	char name[128];
	int level;
	char parent_code[ORG_CODE_LEN + 1];
};

/* Institution types, in the order of institution_types[]. */
extern const char *const institution_types[];

struct institution {
	const char *id;
	const char *name;
	const char *name_en;
	const char *type;
	const char *district_code;
	const char *district_name;
	int64_t created_at;
};

struct institution_in {
	const char *name;
	const char *name_en;
	int type;                 /* index into institution_types */
	const char *district_code;
};
extern const struct json_field org_institution_spec[];

/* --- rules (org.c) --- */
/* True if code is 12 digits. */
bool org_code_is_valid(const char *code);
/* Parses one line "code,name,level,parent_code" of the divisions file. */
bool org_parse_division_line(const char *line, struct division *ret);

/* --- storage (org_db.c) --- */
/* Loads the divisions and district populations from the embedded data when the table is empty;
 * *ret_loaded is the number of divisions written (0 when already present). */
enum ll_err org_load_reference(struct ll_store *st, int *ret_loaded);
/* Looks up one division inside tx; LL_UNKNOWN_DIVISION (field given) when absent. */
enum ll_err org_division_get(struct ll_tx *tx, const char *code, const char *field, struct division *ret);
/* Children of parent (the districts of the city, ...). */
enum ll_err org_division_children(struct ll_store *st, const char *parent, json_t **ret_items);
/* Creates an institution; LL_CONFLICT on a duplicate name. */
enum ll_err org_institution_create(struct ll_store *st, const struct institution_in *in,
				   const struct audit_actor *actor, struct arena *a, struct institution *ret);
/* Inserts inside tx with a given id (demo data). */
enum ll_err org_institution_insert(struct ll_tx *tx, const char *id, const struct institution_in *in);
enum ll_err org_institution_get(struct ll_store *st, const char *id, struct arena *a, struct institution *ret);
/* Institutions, optionally of one district and type and whose Chinese or English name holds
 * name_part, by name. NULL or "" for any. */
enum ll_err org_institution_list(struct ll_store *st, const char *district_code, const char *type, const char *name_part,
				 int limit, json_t **ret_items);
json_t *org_institution_json(const struct institution *in);

/* --- HTTP (org_http.c) --- */
enum ll_err org_http_divisions(struct http_req *req);
enum ll_err org_http_institution_list(struct http_req *req);
enum ll_err org_http_institution_create(struct http_req *req);
enum ll_err org_http_institution_get(struct http_req *req);

#endif
