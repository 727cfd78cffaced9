/*
 * The xAPI resources at /xapi, as xAPI 1.0.3's communication part states them: the version
 * header on every request and reply, HTTP Basic with the credentials an institution issued, the
 * statement resource (PUT, POST, GET, HEAD) with Consistent-Through on every reply, and the about
 * resource; and the portal's API for issuing those credentials. Storing waits for the writer's
 * commit without holding a server thread (http_defer).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../auth/roles.h"
#include "../base/id.h"
#include "../http/auth_http.h"
#include "../http/http.h"
#include "lrs.h"

/* A statement request's JSON nests: statement, object (sub-statement), context, contextActivities,
 * an activity, its definition, extensions, and what an extension holds. */
#define XAPI_JSON_DEPTH 32
#define XAPI_BATCH_MAX 1000

/* ---- What every xAPI request and reply carries ---- */

/* ---- The alternate request syntax: POST ?method=X with the request as a form ---- */

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decodes s[0..n) (and '+' as a space) into an arena string; NULL on a bad escape. */
static char *form_decode(struct http_req *req, const char *s, size_t n, size_t *ret_len)
{
	char *out = arena_alloc(&req->arena, n + 1);
	size_t k = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[k++] = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0)
				return NULL;
			out[k++] = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
			i += 2;
		} else {
			out[k++] = s[i];
		}
	}
	out[k] = '\0';
	if (ret_len)
		*ret_len = k;
	return out;
}

/* What travels as a header in the form; every other name is a query parameter, and "content" is
 * the body. */
static const char *const FORM_HEADERS[] = { "Authorization", "X-Experience-API-Version", "Content-Type",
					    "Content-Length", "If-Match", "If-None-Match", NULL };
static const char *const METHODS[] = { "GET", "PUT", "POST", "DELETE", "HEAD", NULL };

static enum ll_err alternate_syntax(struct http_req *req, const char *method)
{
	static const char *const only_method[] = { "method", NULL };
	enum ll_err err = http_query_only(req, only_method);
	if (err != LL_OK)
		return ll_fail(LL_BAD_QUERY, ll_error_get(err)->field,
			       "with ?method=, every other parameter travels in the form");
	if (strcmp(req->method, "POST") != 0)
		return ll_fail(LL_BAD_QUERY, "method", "?method= comes with POST only");
	bool is_known = false;
	for (int i = 0; METHODS[i] && !is_known; i++)
		is_known = strcmp(METHODS[i], method) == 0;
	if (!is_known)
		return ll_fail(LL_BAD_QUERY, "method", "method is GET, PUT, POST, DELETE or HEAD");
	const char *ct = http_header(req, "Content-Type");
	if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return ll_fail(LL_INVALID_VALUE, "Content-Type",
			       "a request with ?method= is a form: application/x-www-form-urlencoded");
	const char *p = req->body ? req->body : "", *end = p + req->body_len;
	char *content = NULL;
	size_t content_len = 0;
	bool has_type = false;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (!eq)
			return ll_fail(LL_INVALID_VALUE, "body", "the form is name=value pairs joined by &");
		char *name = form_decode(req, p, (size_t)(eq - p), NULL);
		size_t len = 0;
		char *value = form_decode(req, eq + 1, (size_t)(stop - eq - 1), &len);
		if (!name || !value)
			return ll_fail(LL_INVALID_VALUE, "body", "the form has a broken %%-escape");
		bool is_header = false;
		for (int i = 0; FORM_HEADERS[i] && !is_header; i++)
			is_header = strcasecmp(FORM_HEADERS[i], name) == 0;
		if (strcmp(name, "content") == 0) {
			content = value;
			content_len = len;
		} else if ((err = http_override(req, name, value, is_header)) != LL_OK) {
			return err;
		}
		has_type |= is_header && strcasecmp(name, "Content-Type") == 0;
		p = amp ? amp + 1 : end;
	}
	/* A form names no query at all: the query is still the form's (empty), not the URL's. */
	req->is_query_replaced = true;
	if (!has_type && (err = http_override(req, "Content-Type", "application/json", true)) != LL_OK)
		return err;
	char *body = malloc(content_len + 1);
	if (!body)
		return LL_NOMEM;
	memcpy(body, content ? content : "", content_len);
	body[content_len] = '\0';
	http_replace_body(req, body, content_len);
	http_reroute(req, arena_strdup(&req->arena, method));
	return LL_OK;
}

/* X-Experience-API-Consistent-Through, once: a statement stored before it is committed already,
 * or being committed with a stored time no earlier. Taken before a request reads anything. */
static void consistent_through(struct http_req *req)
{
	for (int i = 0; i < req->n_headers; i++)
		if (strcmp(req->header_names[i], "X-Experience-API-Consistent-Through") == 0)
			return;
	char *through = arena_alloc(&req->arena, 32);
	if (through && req->app->lrs) {
		lrs_time_format(lrs_writer_consistent_through(req->app->lrs->writer), through);
		http_add_header(req, "X-Experience-API-Consistent-Through", through);
	}
}

enum ll_err lrs_http_check(struct http_req *req)
{
	if (strcmp(req->path, "/xapi/statements") == 0)
		consistent_through(req);
	const char *method = http_query(req, "method");
	if (method) {
		enum ll_err err = alternate_syntax(req, method);
		if (err != LL_OK)
			return err;
	}
	const char *v = http_header(req, "X-Experience-API-Version");
	if (!v)
		return ll_fail(LL_USAGE, "X-Experience-API-Version", "xAPI requests carry X-Experience-API-Version");
	/* 1.0 (read as 1.0.0) and every 1.0.x: each speaks what this LRS speaks. */
	if (!lrs_version_is_1_0(v))
		return ll_fail(LL_USAGE, "X-Experience-API-Version", "this LRS speaks xAPI 1.0.x, not %.16s", v);
	return LL_OK;
}

void lrs_http_decorate(struct http_req *req)
{
	http_add_header(req, "X-Experience-API-Version", LRS_VERSION);
	if (req->reply_json)
		req->content_type = "application/json";
	if (req->status == 401)
		http_add_header(req, "WWW-Authenticate", "Basic realm=\"xAPI\", charset=\"UTF-8\"");
}

/* Statement requests answered before their check ran (a refused body, say) get the header too. */
void lrs_http_decorate_statements(struct http_req *req)
{
	lrs_http_decorate(req);
	consistent_through(req);
}

/* ---- HTTP Basic with a client's key and secret ---- */

enum ll_err lrs_http_authenticate(struct http_req *req)
{
	const char *authz = http_header(req, "Authorization");
	if (!authz || strncasecmp(authz, "Basic ", 6) != 0)
		return ll_fail(LL_UNAUTHENTICATED, NULL, "xAPI clients sign in with HTTP Basic: key and secret");
	const char *b64 = authz + 6;
	while (*b64 == ' ')
		b64++;
	char decoded[256];
	size_t len = 0;
	if (strlen(b64) > 340 ||
	    sodium_base642bin((unsigned char *)decoded, sizeof(decoded) - 1, b64, strlen(b64), NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return ll_fail(LL_UNAUTHENTICATED, NULL, "the Basic credentials are not base64");
	decoded[len] = '\0';
	char *colon = strchr(decoded, ':');
	if (!colon)
		return ll_fail(LL_UNAUTHENTICATED, NULL, "the Basic credentials are key:secret");
	*colon = '\0';
	struct lrs_service *s = req->app->lrs;
	struct lrs_client *c = arena_alloc(&req->arena, sizeof(*c));
	if (!c || !s)
		return ll_fail(LL_INTERNAL, NULL, "the learning record store is not running");
	enum ll_err err = lrs_client_authenticate(req->app->st, s->keys, s->clients, decoded, colon + 1, c);
	sodium_memzero(decoded, sizeof(decoded));
	if (err == LL_BAD_CREDENTIALS)
		return ll_fail(LL_UNAUTHENTICATED, NULL, "unknown key or wrong secret");
	if (err != LL_OK)
		return err;
	req->caller.is_authenticated = true;
	req->caller.role = ROLE_LRS_CLIENT;
	req->caller.user_id = c->id;
	req->caller.login = c->key;
	req->caller.display_name = c->name;
	req->caller.institution_id = c->institution_id;
	req->caller.is_via_token = true;
	return LL_OK;
}

/* The client a request was authenticated as (lrs_http_authenticate filled the caller). */
static void client_of(const struct http_req *req, struct lrs_client *ret)
{
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->id, sizeof(ret->id), "%s", req->caller.user_id);
	snprintf(ret->institution_id, sizeof(ret->institution_id), "%s", req->caller.institution_id);
	snprintf(ret->name, sizeof(ret->name), "%s", req->caller.display_name);
	snprintf(ret->key, sizeof(ret->key), "%s", req->caller.login);
}

/* ---- About ---- */

enum ll_err lrs_http_about(struct http_req *req)
{
	http_reply(req, 200,
		   json_pack("{s:[s, s, s, s], s:{}}", "version", "1.0.3", "1.0.2", "1.0.1", "1.0.0", "extensions"));
	return LL_OK;
}

/* ---- Storing statements ---- */

struct store_req {
	struct lrs_batch batch;
	struct lrs_statement *statements;
	int n;
	struct lrs_payload *payloads;   /* data borrowed from the request's body */
	json_t *authority;
	bool is_put;
	struct http_req *req;
};

static void store_req_free(struct http_req *req)
{
	struct store_req *x = req->handler_state;
	if (!x)
		return;
	for (int i = 0; i < x->n; i++)
		lrs_statement_release(&x->statements[i]);
	free(x->statements);
	free(x->payloads);
	json_decref(x->authority);
	free(x);
	req->handler_state = NULL;
}

static void stored(struct lrs_batch *b, void *ctx)
{
	(void)b;
	http_resume(ctx);
}

static enum ll_err store_submit(struct http_req *req)
{
	struct store_req *x = req->handler_state;
	return lrs_writer_submit(req->app->lrs->writer, &x->batch, stored, req);
}

static enum ll_err store_answer(struct http_req *req)
{
	struct store_req *x = req->handler_state;
	if (x->batch.err != LL_OK)
		return ll_fail(x->batch.err, x->batch.detail.field[0] ? x->batch.detail.field : NULL, "%s",
			       x->batch.detail.message);
	/* Nothing new: every statement was held already, with the same content. */
	if (x->is_put || x->batch.stored == 0) {
		http_reply_empty(req, 204);
		return LL_OK;
	}
	json_t *ids = json_array();
	for (int i = 0; i < x->n; i++)
		json_array_append_new(ids, json_string(json_string_value(json_object_get(x->statements[i].json, "id"))));
	http_reply(req, 200, ids);
	return LL_OK;
}

/* The statements of a PUT or POST: JSON, or multipart/mixed whose first part is the JSON and whose
 * other parts are attachments' data (*ret_parts, arena-owned, pointing into the body). */
static enum ll_err statements_body(struct http_req *req, json_t **ret, struct lrs_part **ret_parts, int *ret_n)
{
	const char *ct = http_header(req, "Content-Type");
	size_t n = ct ? strcspn(ct, "; \t") : 0;
	const char *json = req->body ? req->body : "";
	size_t len = req->body_len;
	*ret_parts = NULL;
	*ret_n = 0;
	if (ct && n == 15 && strncasecmp(ct, "multipart/mixed", 15) == 0) {
		struct lrs_part *parts = arena_alloc(&req->arena, LRS_PARTS_MAX * sizeof(*parts));
		if (!parts)
			return ll_fail(LL_ARENA_FULL, NULL, "the request has more parts than it may hold");
		enum ll_err err = lrs_multipart_parse(ct, json, len, parts, LRS_PARTS_MAX, ret_n);
		if (err == LL_OK)
			err = lrs_multipart_statements(parts, *ret_n, &json, &len);
		if (err != LL_OK)
			return err;
		*ret_parts = parts;
	} else if (!ct || n != 16 || strncasecmp(ct, "application/json", 16) != 0) {
		return ll_fail(LL_INVALID_VALUE, "Content-Type",
			       "statements are sent as application/json, or multipart/mixed with their attachments");
	}
	return json_parse(len ? json : "", len, XAPI_JSON_DEPTH, ret);
}

/* Each signature a statement carries (an attachment of the signature usage type) is a JWS among
 * the request's parts, and says the statement it is attached to. */
static enum ll_err signatures_check(const struct store_req *x, int n_payloads, bool is_array)
{
	for (int i = 0; i < x->n; i++) {
		const struct lrs_statement *s = &x->statements[i];
		for (int k = 0; k < s->n_attachments; k++) {
			const struct lrs_attachment_ref *a = &s->attachments[k];
			/* A signature signs the statement that carries it, not a sub-statement. */
			if (a->is_sub || strcmp(a->usage_type, LRS_USAGE_SIGNATURE) != 0)
				continue;
			char prefix[24] = "", field[96];
			if (is_array)
				snprintf(prefix, sizeof(prefix), "[%d].", i);
			lrs_attachment_path(a, prefix, "", field, sizeof(field));
			const struct lrs_payload *p = NULL;
			for (int j = 0; j < n_payloads && !p; j++)
				if (strcasecmp(x->payloads[j].sha2, a->sha2) == 0)
					p = &x->payloads[j];
			if (!p)
				return ll_fail(LL_MISSING_FIELD, field, "a signature travels as a part of the request, "
									"not as a fileUrl");
			struct lrs_signature_result result;
			enum ll_err err = lrs_signature_verify(s->json, p->data, p->len, field, &result);
			if (err != LL_OK)
				return err;
		}
	}
	return LL_OK;
}

/* Checks every statement of root (an object, or an array when is_array_ok) and queues them as one
 * batch; the answer comes once the batch is committed. */
static enum ll_err store_statements(struct http_req *req, json_t *root, const char *put_id,
				    const struct lrs_part *parts, int n_parts)
{
	bool is_array = json_is_array(root);
	if (put_id && is_array)
		return ll_fail(LL_INVALID_VALUE, NULL, "PUT stores one statement; POST stores several");
	size_t n = is_array ? json_array_size(root) : 1;
	if (n == 0)
		return ll_fail(LL_INVALID_VALUE, NULL, "the request holds no statement");
	if (n > XAPI_BATCH_MAX)
		return ll_fail(LL_BODY_TOO_LARGE, NULL, "a request holds at most %d statements", XAPI_BATCH_MAX);
	struct lrs_client client;
	client_of(req, &client);
	struct store_req *x = calloc(1, sizeof(*x));
	if (!x)
		return LL_NOMEM;
	x->statements = calloc(n, sizeof(*x->statements));
	x->authority = lrs_client_authority(&client, req->app->lrs->home_page);
	x->is_put = put_id != NULL;
	x->req = req;
	req->handler_state = x;
	req->on_completed = store_req_free;
	if (!x->statements || !x->authority)
		return LL_NOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *obj = is_array ? json_array_get(root, i) : root;
		if (put_id && json_is_object(obj)) {
			const char *id = json_string_value(json_object_get(obj, "id"));
			if (id && strcasecmp(id, put_id) != 0)
				return ll_fail(LL_INVALID_VALUE, "id", "the statement's id is not the statementId it is put at");
		}
		ll_id fresh;
		id_new(&fresh);
		struct lrs_stamp stamp = { .authority = x->authority, .id = put_id ? put_id : fresh.s };
		char prefix[24] = "";
		if (is_array)
			snprintf(prefix, sizeof(prefix), "[%zu]", i);
		enum ll_err err = lrs_statement_check(obj, prefix, &stamp, &x->statements[i]);
		if (err != LL_OK)
			return err;
		x->n++;
		/* Raw attachment data comes in multipart/mixed; with JSON, each attachment is a link. */
		for (int k = 0; k < x->statements[i].n_attachments && !parts; k++)
			if (!x->statements[i].attachments[k].has_file_url) {
				char field[96], dotted[24];
				snprintf(dotted, sizeof(dotted), "%s%s", prefix, *prefix ? "." : "");
				lrs_attachment_path(&x->statements[i].attachments[k], dotted, "fileUrl", field, sizeof(field));
				return ll_fail(LL_MISSING_FIELD, field,
					       "an attachment sent without its data (application/json) has a fileUrl");
			}
	}
	int n_payloads = 0;
	if (parts) {
		if (!(x->payloads = calloc((size_t)n_parts, sizeof(*x->payloads))))
			return LL_NOMEM;
		enum ll_err err = lrs_multipart_check(parts, n_parts, x->statements, x->n, x->payloads, &n_payloads);
		if (err != LL_OK)
			return err;
	}
	enum ll_err err = signatures_check(x, n_payloads, is_array);
	if (err != LL_OK)
		return err;
	x->batch.payloads = x->payloads;
	x->batch.n_payloads = n_payloads;
	x->batch.statements = x->statements;
	x->batch.n = x->n;
	x->batch.client_id = req->caller.user_id;
	x->batch.institution_id = req->caller.institution_id;
	http_defer(req, x, store_submit, store_answer, store_req_free);
	return LL_OK;
}

enum ll_err lrs_http_statements_put(struct http_req *req)
{
	static const char *const allowed[] = { "statementId", NULL };
	enum ll_err err = http_query_only(req, allowed);
	if (err != LL_OK)
		return err;
	const char *id = http_query(req, "statementId");
	if (!id)
		return ll_fail(LL_MISSING_FIELD, "statementId", "PUT names the statement's id: ?statementId=");
	if (!lrs_uuid_is_valid(id))
		return ll_fail(LL_INVALID_VALUE, "statementId", "statementId is a UUID");
	json_t *root;
	struct lrs_part *parts;
	int n_parts;
	if ((err = statements_body(req, &root, &parts, &n_parts)) != LL_OK)
		return err;
	err = store_statements(req, root, id, parts, n_parts);
	json_decref(root);
	return err;
}

enum ll_err lrs_http_statements_post(struct http_req *req)
{
	static const char *const allowed[] = { NULL };
	enum ll_err err = http_query_only(req, allowed);
	if (err != LL_OK)
		return err;
	json_t *root;
	struct lrs_part *parts;
	int n_parts;
	if ((err = statements_body(req, &root, &parts, &n_parts)) != LL_OK)
		return err;
	err = store_statements(req, root, NULL, parts, n_parts);
	json_decref(root);
	return err;
}

/* ---- Reading statements ---- */

static enum ll_err bool_query(struct http_req *req, const char *name, bool *ret)
{
	const char *v = http_query(req, name);
	*ret = false;
	if (!v)
		return LL_OK;
	if (strcmp(v, "true") == 0)
		*ret = true;
	else if (strcmp(v, "false") != 0)
		return ll_fail(LL_BAD_QUERY, name, "%s is true or false", name);
	return LL_OK;
}

/* The HTTP date of t, for Last-Modified. */
static const char *http_date(struct http_req *req, int64_t t_us)
{
	char *out = arena_alloc(&req->arena, 40);
	if (!out)
		return NULL;
	time_t secs = (time_t)(t_us / 1000000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return out;
}

/* format=ids: agents by their identifier, activities and verbs by their ids. A group with an
 * identifier of its own is named by it alone; an anonymous one by its members'. */
static void ids_only_agent(json_t *a)
{
	if (!json_is_object(a))
		return;
	static const char *const keep[] = { "objectType", "mbox", "mbox_sha1sum", "openid", "account", "member" };
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe (a, tmp, key, v) {
		bool is_kept = false;
		for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]) && !is_kept; i++)
			is_kept = strcmp(key, keep[i]) == 0;
		if (!is_kept)
			json_object_del(a, key);
	}
	if (json_object_get(a, "mbox") || json_object_get(a, "mbox_sha1sum") || json_object_get(a, "openid") ||
	    json_object_get(a, "account"))
		json_object_del(a, "member");
	size_t i;
	json_t *m;
	json_array_foreach (json_object_get(a, "member"), i, m)
		ids_only_agent(m);
}

static void ids_only_activity(json_t *a)
{
	json_object_del(a, "definition");
}

static void ids_only(json_t *st)
{
	ids_only_agent(json_object_get(st, "actor"));
	ids_only_agent(json_object_get(st, "authority"));
	json_object_del(json_object_get(st, "verb"), "display");
	json_t *obj = json_object_get(st, "object");
	const char *type = json_string_value(json_object_get(obj, "objectType"));
	if (!type || strcmp(type, "Activity") == 0)
		ids_only_activity(obj);
	else if (strcmp(type, "Agent") == 0 || strcmp(type, "Group") == 0)
		ids_only_agent(obj);
	else if (strcmp(type, "SubStatement") == 0)
		ids_only(obj);
	json_t *ctx = json_object_get(st, "context");
	ids_only_agent(json_object_get(ctx, "instructor"));
	ids_only_agent(json_object_get(ctx, "team"));
	const char *key;
	json_t *list;
	json_object_foreach (json_object_get(ctx, "contextActivities"), key, list) {
		size_t i;
		json_t *a;
		json_array_foreach (list, i, a)
			ids_only_activity(a);
	}
}

enum format { FORMAT_EXACT, FORMAT_IDS, FORMAT_CANONICAL };

/* ---- format=canonical: one language per map, as Accept-Language asks (RFC 2616 14.4) ---- */

#define LANGUAGES_MAX 16
struct languages {
	char tags[LANGUAGES_MAX][36];
	double q[LANGUAGES_MAX];
	int n;
};

static void languages_parse(const char *header, struct languages *ret)
{
	ret->n = 0;
	for (const char *p = header ? header : ""; *p && ret->n < LANGUAGES_MAX;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t len = strcspn(p, ",;");
		if (!len)
			break;
		size_t tag_len = len;
		while (tag_len && p[tag_len - 1] == ' ')
			tag_len--;
		double q = 1;
		const char *end = p + len;
		if (*end == ';') {
			const char *qs = strstr(end, "q=");
			const char *next = strchr(end, ',');
			if (qs && (!next || qs < next))
				q = strtod(qs + 2, NULL);
			end = next ? next : end + strlen(end);
		}
		if (tag_len < sizeof(ret->tags[0]) && q > 0) {
			snprintf(ret->tags[ret->n], sizeof(ret->tags[0]), "%.*s", (int)tag_len, p);
			ret->q[ret->n++] = q;
		}
		p = end;
	}
}

/* How well the language range matches tag: its q, or 0. */
static double language_match(const struct languages *l, const char *tag)
{
	double best = 0;
	for (int i = 0; i < l->n; i++) {
		const char *range = l->tags[i];
		size_t n = strlen(range);
		bool is_match = strcmp(range, "*") == 0 || strcasecmp(range, tag) == 0 ||
				(strncasecmp(range, tag, n) == 0 && tag[n] == '-');
		if (is_match && l->q[i] > best)
			best = l->q[i];
	}
	return best;
}

/* Keeps the one language of the map the client prefers (the first when it prefers none). */
static void language_map_reduce(json_t *map, const struct languages *l)
{
	if (!json_is_object(map) || json_object_size(map) < 2)
		return;
	const char *key, *best = NULL;
	double best_q = -1;
	json_t *v;
	json_object_foreach (map, key, v) {
		double q = language_match(l, key);
		if (q > best_q) {
			best_q = q;
			best = key;
		}
	}
	json_t *kept = json_incref(json_object_get(map, best));
	char *name = strdup(best);
	json_object_clear(map);
	if (name && kept)
		json_object_set(map, name, kept);
	json_decref(kept);
	free(name);
}

static void definition_reduce(json_t *d, const struct languages *l)
{
	language_map_reduce(json_object_get(d, "name"), l);
	language_map_reduce(json_object_get(d, "description"), l);
	static const char *const lists[] = { "choices", "scale", "source", "target", "steps" };
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		size_t k;
		json_t *c;
		json_array_foreach (json_object_get(d, lists[i]), k, c)
			language_map_reduce(json_object_get(c, "description"), l);
	}
}

static void activity_canonical(struct http_req *req, json_t *activity, const struct languages *l)
{
	const char *id = json_string_value(json_object_get(activity, "id"));
	json_t *canonical = NULL;
	if (id && lrs_activity_get(req->app->st, req->caller.institution_id, id, &canonical) == LL_OK &&
	    json_object_get(canonical, "definition"))
		json_object_set(activity, "definition", json_object_get(canonical, "definition"));
	json_decref(canonical);
	definition_reduce(json_object_get(activity, "definition"), l);
}

static void canonical(struct http_req *req, json_t *st, const struct languages *l)
{
	language_map_reduce(json_object_get(json_object_get(st, "verb"), "display"), l);
	json_t *obj = json_object_get(st, "object");
	const char *type = json_string_value(json_object_get(obj, "objectType"));
	if (!type || strcmp(type, "Activity") == 0)
		activity_canonical(req, obj, l);
	else if (strcmp(type, "SubStatement") == 0)
		canonical(req, obj, l);
	const char *key;
	json_t *list;
	json_object_foreach (json_object_get(json_object_get(st, "context"), "contextActivities"), key, list) {
		size_t i;
		json_t *a;
		json_array_foreach (list, i, a)
			activity_canonical(req, a, l);
	}
}

/* A statement as format asks: ids reduced to identifiers, canonical to one language per map. */
static void formatted(struct http_req *req, json_t *st, enum format format);

static enum ll_err format_query(struct http_req *req, enum format *ret)
{
	const char *v = http_query(req, "format");
	*ret = FORMAT_EXACT;
	if (!v || strcmp(v, "exact") == 0)
		return LL_OK;
	if (strcmp(v, "ids") == 0)
		*ret = FORMAT_IDS;
	else if (strcmp(v, "canonical") == 0)
		*ret = FORMAT_CANONICAL;
	else
		return ll_fail(LL_BAD_QUERY, "format", "format is ids, exact or canonical");
	return LL_OK;
}

#define REPLY_ATTACHMENTS_MAX 256

static void sha2_add(const char **list, int *n, const char *sha2)
{
	for (int i = 0; i < *n; i++)
		if (strcasecmp(list[i], sha2) == 0)
			return;
	if (*n < REPLY_ATTACHMENTS_MAX)
		list[(*n)++] = sha2;
}

static void statement_sha2s(const json_t *st, const char **list, int *n)
{
	size_t i;
	json_t *a;
	json_array_foreach (json_object_get(st, "attachments"), i, a) {
		const char *sha2 = json_string_value(json_object_get(a, "sha2"));
		if (sha2)
			sha2_add(list, n, sha2);
	}
	json_t *sub = json_object_get(st, "object");
	const char *type = json_string_value(json_object_get(sub, "objectType"));
	if (type && strcmp(type, "SubStatement") == 0)
		statement_sha2s(sub, list, n);
}

/* Replies body (a statement or a StatementResult, taken over) as JSON or, with attachments=true,
 * as multipart/mixed with the data of the attachments its statements name. */
static enum ll_err reply_with_attachments(struct http_req *req, json_t *body, bool has_attachments)
{
	if (!has_attachments) {
		http_reply(req, 200, body);
		return LL_OK;
	}
	const char **sha2s = arena_alloc(&req->arena, REPLY_ATTACHMENTS_MAX * sizeof(*sha2s));
	struct lrs_payload *payloads = calloc(REPLY_ATTACHMENTS_MAX, sizeof(*payloads));
	char *json = json_dumps(body, JSON_COMPACT);
	int n = 0, found = 0;
	enum ll_err err = sha2s && payloads && json ? LL_OK : LL_NOMEM;
	if (err == LL_OK) {
		json_t *list = json_object_get(body, "statements");
		size_t i;
		json_t *st;
		if (list)
			json_array_foreach (list, i, st)
				statement_sha2s(st, sha2s, &n);
		else
			statement_sha2s(body, sha2s, &n);
		for (int k = 0; k < n; k++) {
			char *lower = arena_strdup(&req->arena, sha2s[k]);
			for (char *p = lower; p && *p; p++)
				*p = (char)((*p >= 'A' && *p <= 'F') ? *p - 'A' + 'a' : *p);
			sha2s[k] = lower;
		}
		err = lrs_attachments_get(req->app->st, sha2s, n, payloads, &found);
	}
	char type[LRS_MULTIPART_TYPE_MAX];
	char *out = NULL;
	size_t len = 0;
	if (err == LL_OK)
		err = lrs_multipart_write(json, strlen(json), payloads, found, type, &out, &len);
	char *copy = err == LL_OK ? arena_memdup(&req->arena, out, len) : NULL;
	const char *ctype = err == LL_OK ? arena_strdup(&req->arena, type) : NULL;
	if (err == LL_OK && (!copy || !ctype))
		err = ll_fail(LL_ARENA_FULL, NULL, "the statements and their attachments are larger than a reply may be");
	if (err == LL_OK)
		http_reply_raw(req, 200, ctype, copy, len);
	free(out);
	free(json);
	if (payloads)
		lrs_payloads_release(payloads, found);
	free(payloads);
	json_decref(body);
	return err;
}

static enum ll_err get_one(struct http_req *req, const char *id, bool is_voided, enum format format,
			   bool has_attachments)
{
	char *body = NULL;
	enum ll_err err = lrs_statement_get(req->app->st, id, is_voided, req->caller.institution_id, &body);
	if (err != LL_OK)
		return err;
	json_t *st = json_loads(body, 0, NULL);
	free(body);
	if (!st)
		return ll_fail(LL_INTERNAL, NULL, "a stored statement does not parse");
	int64_t stored = 0;
	lrs_timestamp_parse(json_string_value(json_object_get(st, "stored")), &stored);
	formatted(req, st, format);
	const char *date = http_date(req, stored);
	if (date)
		http_add_header(req, "Last-Modified", date);
	return reply_with_attachments(req, st, has_attachments);
}

/* The continuation of a query: its filters and where it stopped, base64url of compact JSON. */
static char *more_token(struct http_req *req, const struct lrs_query *q, enum format format, bool has_attachments)
{
	json_t *o = json_pack("{s:I, s:I, s:b, s:b, s:b, s:I, s:I, s:i}", "after", (json_int_t)q->after_seq, "limit",
			      (json_int_t)q->limit, "asc", q->is_ascending, "ra", q->is_related_agents, "rc",
			      q->is_related_activities, "since", (json_int_t)q->since_us, "until", (json_int_t)q->until_us,
			      "format", (int)format);
	if (!o)
		return NULL;
	json_set_str(o, "agent", q->agent_key);
	json_set_str(o, "verb", q->verb_id);
	json_set_str(o, "activity", q->activity_id);
	json_set_str(o, "reg", q->registration);
	if (has_attachments)
		json_object_set_new(o, "att", json_true());
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return NULL;
	size_t len = strlen(text);
	size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(&req->arena, cap);
	if (out)
		sodium_bin2base64(out, cap, (const unsigned char *)text, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(text);
	return out;
}

static const char *copy_str(struct http_req *req, const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? arena_strdup(&req->arena, v) : NULL;
}

static enum ll_err more_parse(struct http_req *req, const char *token, struct lrs_query *q, enum format *format,
			      bool *ret_attachments)
{
	size_t cap = strlen(token), len = 0;
	unsigned char *bin = arena_alloc(&req->arena, cap + 1);
	if (!bin || cap > 4096 ||
	    sodium_base642bin(bin, cap, token, cap, NULL, &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return ll_fail(LL_BAD_QUERY, "more", "more is the token this LRS gave");
	json_t *o = json_loadb((const char *)bin, len, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return ll_fail(LL_BAD_QUERY, "more", "more is the token this LRS gave");
	}
	q->after_seq = json_integer_value(json_object_get(o, "after"));
	q->limit = (int)json_integer_value(json_object_get(o, "limit"));
	q->is_ascending = json_is_true(json_object_get(o, "asc"));
	q->is_related_agents = json_is_true(json_object_get(o, "ra"));
	q->is_related_activities = json_is_true(json_object_get(o, "rc"));
	q->since_us = json_integer_value(json_object_get(o, "since"));
	q->until_us = json_integer_value(json_object_get(o, "until"));
	*format = (enum format)json_integer_value(json_object_get(o, "format"));
	q->agent_key = copy_str(req, o, "agent");
	q->verb_id = copy_str(req, o, "verb");
	q->activity_id = copy_str(req, o, "activity");
	q->registration = copy_str(req, o, "reg");
	*ret_attachments = json_is_true(json_object_get(o, "att"));
	json_decref(o);
	if (*format > FORMAT_CANONICAL)
		*format = FORMAT_EXACT;
	return LL_OK;
}

static enum ll_err time_query(struct http_req *req, const char *name, int64_t *ret)
{
	const char *v = http_query(req, name);
	*ret = 0;
	if (v && !lrs_timestamp_parse(v, ret))
		return ll_fail(LL_BAD_QUERY, name, "%s is an ISO 8601 date and time", name);
	return LL_OK;
}

static enum ll_err iri_query(struct http_req *req, const char *name, const char **ret)
{
	*ret = http_query(req, name);
	if (*ret && !lrs_iri_is_valid(*ret))
		return ll_fail(LL_BAD_QUERY, name, "%s is an IRI", name);
	return LL_OK;
}

/* The filters of a query from the request's parameters. */
static enum ll_err query_from_params(struct http_req *req, struct lrs_query *q, enum format *format,
				     bool *ret_attachments)
{
	enum ll_err err = format_query(req, format);
	const char *agent = http_query(req, "agent");
	if (err == LL_OK && agent) {
		json_t *obj = json_loads(agent, JSON_REJECT_DUPLICATES, NULL);
		char *key = arena_alloc(&req->arena, LRS_KEY_MAX);
		if (!obj)
			err = ll_fail(LL_BAD_QUERY, "agent", "agent is an agent or identified group as JSON");
		else if (!key)
			err = LL_NOMEM;
		else if ((err = lrs_actor_key(obj, "agent", key)) != LL_OK)
			err = ll_fail(LL_BAD_QUERY, "agent", "%s", ll_error_get(err)->message);
		json_decref(obj);
		q->agent_key = key;
	}
	if (err == LL_OK)
		err = iri_query(req, "verb", &q->verb_id);
	if (err == LL_OK)
		err = iri_query(req, "activity", &q->activity_id);
	const char *reg = http_query(req, "registration");
	if (err == LL_OK && reg) {
		if (!lrs_uuid_is_valid(reg))
			err = ll_fail(LL_BAD_QUERY, "registration", "registration is a UUID");
		char *lower = arena_strdup(&req->arena, reg ? reg : "");
		for (char *p = lower; p && *p; p++)
			*p = (char)((*p >= 'A' && *p <= 'F') ? *p - 'A' + 'a' : *p);
		q->registration = lower;
	}
	if (err == LL_OK)
		err = bool_query(req, "related_agents", &q->is_related_agents);
	if (err == LL_OK)
		err = bool_query(req, "related_activities", &q->is_related_activities);
	if (err == LL_OK)
		err = bool_query(req, "ascending", &q->is_ascending);
	if (err == LL_OK)
		err = time_query(req, "since", &q->since_us);
	if (err == LL_OK)
		err = time_query(req, "until", &q->until_us);
	int64_t limit = 0;
	const char *limit_text = http_query(req, "limit");
	if (err == LL_OK && limit_text && !*limit_text)
		err = ll_fail(LL_BAD_QUERY, "limit", "limit is a whole number, 0 for as many as a page holds");
	if (err == LL_OK)
		err = http_query_int(req, "limit", 0, 0, INT32_MAX, &limit);
	q->limit = limit > LRS_PAGE_MAX || limit == 0 ? LRS_PAGE_MAX : (int)limit;
	if (err == LL_OK)
		err = bool_query(req, "attachments", ret_attachments);
	return err;
}

enum ll_err lrs_http_statements_get(struct http_req *req)
{
	static const char *const allowed[] = { "statementId", "voidedStatementId", "agent", "verb", "activity",
					       "registration", "related_activities", "related_agents", "since", "until",
					       "limit", "format", "attachments", "ascending", "more", NULL };
	enum ll_err err = http_query_only(req, allowed);
	if (err != LL_OK)
		return err;
	const char *id = http_query(req, "statementId"), *voided = http_query(req, "voidedStatementId");
	enum format format = FORMAT_EXACT;
	if (id || voided) {
		static const char *const single[] = { "statementId", "voidedStatementId", "format", "attachments", NULL };
		if (id && voided)
			return ll_fail(LL_BAD_QUERY, "voidedStatementId", "ask for statementId or voidedStatementId, not both");
		if ((err = http_query_only(req, single)) != LL_OK)
			return ll_fail(LL_BAD_QUERY, ll_error_get(err)->field,
				       "a statement asked for by its id takes only format and attachments besides");
		bool has_attachments;
		if ((err = format_query(req, &format)) != LL_OK || (err = bool_query(req, "attachments", &has_attachments)) != LL_OK)
			return err;
		return get_one(req, id ? id : voided, voided != NULL, format, has_attachments);
	}
	struct lrs_query q = { .institution_id = req->caller.institution_id };
	bool q_attachments = false;
	const char *more = http_query(req, "more");
	if (more) {
		static const char *const only_more[] = { "more", NULL };
		if ((err = http_query_only(req, only_more)) != LL_OK)
			return err;
		err = more_parse(req, more, &q, &format, &q_attachments);
	} else {
		err = query_from_params(req, &q, &format, &q_attachments);
	}
	if (err != LL_OK)
		return err;
	struct lrs_page page;
	if ((err = lrs_query_run(req->app->st, &q, &page)) != LL_OK)
		return err;
	size_t i;
	json_t *st;
	json_array_foreach (page.statements, i, st)
		formatted(req, st, format);
	const char *next = "";
	if (page.has_more) {
		q.after_seq = page.last_seq;
		char *token = more_token(req, &q, format, q_attachments);
		next = token ? arena_printf(&req->arena, "/xapi/statements?more=%s", token) : NULL;
		if (!next) {
			json_decref(page.statements);
			return LL_NOMEM;
		}
	}
	if (page.newest_stored_us) {
		const char *date = http_date(req, page.newest_stored_us);
		if (date)
			http_add_header(req, "Last-Modified", date);
	}
	return reply_with_attachments(req, json_pack("{s:o, s:s}", "statements", page.statements, "more", next),
				      q_attachments);
}

static void formatted(struct http_req *req, json_t *st, enum format format)
{
	if (format == FORMAT_IDS) {
		ids_only(st);
	} else if (format == FORMAT_CANONICAL) {
		struct languages l;
		languages_parse(http_header(req, "Accept-Language"), &l);
		canonical(req, st, &l);
	}
}

/* ---- Documents: state, activity profiles, agent profiles ---- */

static const struct {
	const char *path;
	enum lrs_doc_kind kind;
	const char *id_name;
	bool has_activity, has_agent, has_registration;
} DOCUMENTS[] = {
	{ "/xapi/activities/state", LRS_DOC_STATE, "stateId", true, true, true },
	{ "/xapi/activities/profile", LRS_DOC_ACTIVITY_PROFILE, "profileId", true, false, false },
	{ "/xapi/agents/profile", LRS_DOC_AGENT_PROFILE, "profileId", false, true, false },
};

/* The document key of the request's parameters; *ret_since for listing. */
static enum ll_err document_key(struct http_req *req, int d, struct lrs_doc_key *k, int64_t *ret_since)
{
	const char *allowed[8];
	int n = 0;
	if (DOCUMENTS[d].has_activity)
		allowed[n++] = "activityId";
	if (DOCUMENTS[d].has_agent)
		allowed[n++] = "agent";
	if (DOCUMENTS[d].has_registration)
		allowed[n++] = "registration";
	allowed[n++] = DOCUMENTS[d].id_name;
	bool is_get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
	if (is_get)
		allowed[n++] = "since";
	allowed[n] = NULL;
	enum ll_err err = http_query_only(req, allowed);
	if (err != LL_OK)
		return err;
	*k = (struct lrs_doc_key){ .kind = DOCUMENTS[d].kind, .institution_id = req->caller.institution_id };
	if (DOCUMENTS[d].has_activity) {
		k->activity_id = http_query(req, "activityId");
		if (!k->activity_id)
			return ll_fail(LL_MISSING_FIELD, "activityId", "activityId names the activity");
		if (!lrs_iri_is_valid(k->activity_id))
			return ll_fail(LL_BAD_QUERY, "activityId", "activityId is an IRI");
	}
	if (DOCUMENTS[d].has_agent) {
		const char *agent = http_query(req, "agent");
		if (!agent)
			return ll_fail(LL_MISSING_FIELD, "agent", "agent names the agent, as JSON");
		json_t *obj = json_loads(agent, JSON_REJECT_DUPLICATES, NULL);
		char *key = arena_alloc(&req->arena, LRS_KEY_MAX);
		const char *type = json_string_value(json_object_get(obj, "objectType"));
		if (!json_is_object(obj))
			err = ll_fail(LL_BAD_QUERY, "agent", "agent is an agent as JSON");
		else if (!key)
			err = LL_NOMEM;
		else if (DOCUMENTS[d].kind == LRS_DOC_AGENT_PROFILE && type && strcmp(type, "Group") == 0)
			err = ll_fail(LL_BAD_QUERY, "agent", "an agent profile belongs to an agent, not a group");
		else if ((err = lrs_actor_key(obj, "agent", key)) != LL_OK)
			err = ll_fail(LL_BAD_QUERY, "agent", "%s", ll_error_get(err)->message);
		json_decref(obj);
		if (err != LL_OK)
			return err;
		k->agent_key = key;
	}
	if (DOCUMENTS[d].has_registration) {
		const char *reg = http_query(req, "registration");
		if (reg && !lrs_uuid_is_valid(reg))
			return ll_fail(LL_BAD_QUERY, "registration", "registration is a UUID");
		if (reg) {
			char *lower = arena_strdup(&req->arena, reg);
			for (char *p = lower; p && *p; p++)
				*p = (char)((*p >= 'A' && *p <= 'F') ? *p - 'A' + 'a' : *p);
			k->registration = lower;
		}
	}
	k->id = http_query(req, DOCUMENTS[d].id_name);
	bool is_write = strcmp(req->method, "PUT") == 0 || strcmp(req->method, "POST") == 0;
	bool needs_id = is_write || (strcmp(req->method, "DELETE") == 0 && DOCUMENTS[d].kind != LRS_DOC_STATE);
	if (!k->id && needs_id)
		return ll_fail(LL_MISSING_FIELD, DOCUMENTS[d].id_name, "%s names the document", DOCUMENTS[d].id_name);
	*ret_since = 0;
	if (is_get && !k->id && (err = time_query(req, "since", ret_since)) != LL_OK)
		return err;
	return LL_OK;
}

enum ll_err lrs_http_document(struct http_req *req)
{
	int d = -1;
	for (int i = 0; i < (int)(sizeof(DOCUMENTS) / sizeof(DOCUMENTS[0])); i++)
		if (strcmp(req->route->path, DOCUMENTS[i].path) == 0)
			d = i;
	if (d < 0)
		return ll_fail(LL_INTERNAL, NULL, "no document resource at %s", req->route->path);
	struct lrs_doc_key k;
	int64_t since = 0;
	enum ll_err err = document_key(req, d, &k, &since);
	if (err != LL_OK)
		return err;
	struct ll_store *st = req->app->st;
	if (strcmp(req->method, "PUT") == 0 || strcmp(req->method, "POST") == 0) {
		const char *ct = http_header(req, "Content-Type");
		if (ct && strlen(ct) >= LRS_CONTENT_TYPE_MAX)
			return ll_fail(LL_TOO_LONG, "Content-Type", "a media type is shorter than %d bytes", LRS_CONTENT_TYPE_MAX);
		struct lrs_doc_write w = {
			.content_type = ct ? ct : "application/octet-stream",
			.body = req->body ? req->body : "",
			.len = req->body_len,
			.if_match = http_header(req, "If-Match"),
			.if_none_match = http_header(req, "If-None-Match"),
			.is_merge = strcmp(req->method, "POST") == 0,
			.is_etag_required = strcmp(req->method, "PUT") == 0 && DOCUMENTS[d].kind != LRS_DOC_STATE,
		};
		if ((err = lrs_document_write(st, &k, &w)) == LL_OK)
			http_reply_empty(req, 204);
		return err;
	}
	if (strcmp(req->method, "DELETE") == 0) {
		if ((err = lrs_document_delete(st, &k, http_header(req, "If-Match"))) == LL_OK)
			http_reply_empty(req, 204);
		return err;
	}
	if (!k.id) {
		json_t *ids = NULL;
		int64_t newest = 0;
		if ((err = lrs_document_ids(st, &k, since, &ids, &newest)) != LL_OK)
			return err;
		const char *date = newest ? http_date(req, newest) : NULL;
		if (date)
			http_add_header(req, "Last-Modified", date);
		/* Every GET is answered with an ETag, a list of ids too: that of the list's text. */
		char *text = json_dumps(ids, JSON_COMPACT), tag[41];
		char *etag = NULL;
		if (text) {
			lrs_etag(text, strlen(text), tag);
			etag = arena_printf(&req->arena, "\"%s\"", tag);
		}
		free(text);
		if (!etag) {
			json_decref(ids);
			return ll_fail(LL_NOMEM, NULL, NULL);
		}
		http_reply(req, 200, ids);
		http_add_header(req, "ETag", etag);
		return LL_OK;
	}
	struct lrs_document doc;
	if ((err = lrs_document_get(st, &k, &doc)) != LL_OK)
		return err;
	char *body = doc.len ? arena_memdup(&req->arena, doc.body, doc.len) : "";
	char *type = arena_strdup(&req->arena, doc.content_type);
	char *etag = arena_printf(&req->arena, "\"%s\"", doc.etag);
	const char *date = http_date(req, doc.updated_us);
	free(doc.body);
	if (!body || !type || !etag)
		return ll_fail(LL_ARENA_FULL, NULL, "the document is larger than a request may hold");
	http_reply_raw(req, 200, type, body, doc.len);
	http_add_header(req, "ETag", etag);
	if (date)
		http_add_header(req, "Last-Modified", date);
	return LL_OK;
}

/* ---- Activities and agents ---- */

enum ll_err lrs_http_activities(struct http_req *req)
{
	static const char *const allowed[] = { "activityId", NULL };
	enum ll_err err = http_query_only(req, allowed);
	if (err != LL_OK)
		return err;
	const char *id = http_query(req, "activityId");
	if (!id)
		return ll_fail(LL_MISSING_FIELD, "activityId", "activityId names the activity");
	if (!lrs_iri_is_valid(id))
		return ll_fail(LL_BAD_QUERY, "activityId", "activityId is an IRI");
	json_t *activity = NULL;
	if ((err = lrs_activity_get(req->app->st, req->caller.institution_id, id, &activity)) == LL_OK)
		http_reply(req, 200, activity);
	return err;
}

/* The Person this LRS knows the agent as: the agent's own name and identifier (an LRS that links
 * identities would add the others). */
enum ll_err lrs_http_agents(struct http_req *req)
{
	static const char *const allowed[] = { "agent", NULL };
	enum ll_err err = http_query_only(req, allowed);
	if (err != LL_OK)
		return err;
	const char *text = http_query(req, "agent");
	if (!text)
		return ll_fail(LL_MISSING_FIELD, "agent", "agent names the agent, as JSON");
	json_t *agent = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	const char *type = json_string_value(json_object_get(agent, "objectType"));
	char key[LRS_KEY_MAX];
	if (!json_is_object(agent))
		err = ll_fail(LL_BAD_QUERY, "agent", "agent is an agent as JSON");
	else if (type && strcmp(type, "Agent") != 0)
		err = ll_fail(LL_BAD_QUERY, "agent", "the agents resource knows agents, not groups");
	else if ((err = lrs_actor_key(agent, "agent", key)) != LL_OK)
		err = ll_fail(LL_BAD_QUERY, "agent", "%s", ll_error_get(err)->message);
	if (err != LL_OK) {
		json_decref(agent);
		return err;
	}
	json_t *person = json_pack("{s:s}", "objectType", "Person");
	static const char *const parts[] = { "name", "mbox", "mbox_sha1sum", "openid", "account" };
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		json_t *v = json_object_get(agent, parts[i]);
		if (v)
			json_object_set_new(person, parts[i], json_pack("[O]", v));
	}
	json_decref(agent);
	http_reply(req, 200, person);
	return LL_OK;
}

/* ---- The portal: a citizen's learning activity ---- */

enum ll_err lrs_http_my_activity(struct http_req *req)
{
	int64_t limit;
	enum ll_err err = http_query_int(req, "limit", 20, 1, 100, &limit);
	json_t *page = NULL;
	if (err == LL_OK)
		err = lrs_person_activity(req->app->st, req->caller.person_id, http_query(req, "after"), (int)limit, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

/* ---- The portal: issuing credentials ---- */

struct client_in {
	const char *name;
	bool is_trusted;
};

const struct json_field lrs_client_spec[] = {
	JSON_STR("name", struct client_in, name, .min_len = 1, .max_len = 100,
		 .doc = "the learning platform, as the institution knows it"),
	JSON_BOOL("is_trusted", struct client_in, is_trusted, .is_optional = true,
		  .doc = "its completions of catalogued courses may deposit outcomes"),
	JSON_END
};

enum ll_err lrs_http_clients(struct http_req *req)
{
	json_t *page = NULL;
	enum ll_err err = lrs_client_list(req->app->st, req->caller.institution_id, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

enum ll_err lrs_http_deposits(struct http_req *req)
{
	json_t *page = NULL;
	enum ll_err err = lrs_deposit_list(req->app->st, req->caller.institution_id, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

/* ---- Claiming statements ---- */

enum ll_err lrs_http_claim_code(struct http_req *req)
{
	json_t *root = NULL, *out = NULL;
	enum ll_err err = json_parse(req->body ? req->body : "", req->body_len, JSON_MAX_DEPTH_DEFAULT, &root);
	if (err != LL_OK)
		return err;
	json_t *agent = json_object_get(root, "agent");
	if (!json_is_object(agent) || json_object_size(root) != 1)
		err = ll_fail(LL_INVALID_VALUE, "agent", "the body is {\"agent\": an xAPI agent}");
	struct lrs_client client;
	client_of(req, &client);
	if (err == LL_OK)
		err = lrs_claim_code_issue(req->app->st, req->app->lrs->keys, &client, req->app->lrs->home_page, agent, &out);
	json_decref(root);
	if (err == LL_OK)
		http_reply(req, 201, out);
	return err;
}

enum ll_err lrs_http_claim(struct http_req *req)
{
	struct lrs_claim_in in = { 0 };
	json_t *root = NULL, *out = NULL;
	enum ll_err err = http_body(req, &in, &root);
	if (err == LL_OK) {
		struct audit_actor actor;
		http_actor(req, &actor);
		err = lrs_claim(req->app->st, req->app->keys, req->caller.person_id, in.code, &actor, &out);
	}
	json_decref(root);
	if (err == LL_OK)
		http_reply(req, 200, out);
	return err;
}

enum ll_err lrs_http_claims(struct http_req *req)
{
	json_t *page = NULL;
	enum ll_err err = lrs_claims_list(req->app->st, req->caller.person_id, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

enum ll_err lrs_http_claim_undo(struct http_req *req)
{
	struct audit_actor actor;
	http_actor(req, &actor);
	enum ll_err err = lrs_claim_undo(req->app->st, req->caller.person_id, http_param(req, "id"), &actor);
	if (err == LL_OK)
		http_reply_empty(req, 204);
	return err;
}

enum ll_err lrs_http_client_create(struct http_req *req)
{
	struct client_in in = { 0 };
	json_t *root = NULL;
	enum ll_err err = http_body(req, &in, &root);
	if (err == LL_OK) {
		struct audit_actor actor;
		http_actor(req, &actor);
		json_t *client = NULL;
		err = lrs_client_create(req->app->st, req->app->keys, req->caller.institution_id, req->caller.user_id,
					in.name, in.is_trusted, &actor, &client);
		if (err == LL_OK)
			http_reply(req, 201, client);
	}
	json_decref(root);
	return err;
}

enum ll_err lrs_http_client_revoke(struct http_req *req)
{
	struct audit_actor actor;
	http_actor(req, &actor);
	enum ll_err err = lrs_client_revoke(req->app->st, req->app->lrs ? req->app->lrs->clients : NULL,
					    req->caller.institution_id, http_param(req, "id"), &actor);
	if (err == LL_OK)
		http_reply_empty(req, 204);
	return err;
}
