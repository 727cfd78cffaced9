/*
 * xAPI 1.0.3 statements: every rule of the specification's data part that a learning record store
 * enforces on a statement it receives, the stored form it builds (id, stored, authority, version,
 * contextActivities as arrays), and the keys the store indexes it by. A refusal names the
 * property by its path. No I/O: the store and the HTTP layer call these rules.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/clock.h"
#include "lrs.h"

/* ---- Paths of properties, for the messages ---- */

struct check {
	struct lrs_statement *s;
	char path[LL_FIELD_MAX];
	size_t len;
	bool is_sub;               /* inside a SubStatement */
	const char *object_type;   /* of the statement (or sub-statement) being checked */
};

/* Appends ".key" (or "key" at the start) when it fits; every property checked passes here, so it
 * copies rather than formats. */
static size_t push(struct check *c, const char *key)
{
	size_t old = c->len, dot = old ? 1 : 0, n = strlen(key);
	if (old + dot + n < sizeof(c->path)) {
		c->path[old] = '.';
		memcpy(c->path + old + dot, key, n + 1);
		c->len += dot + n;
	}
	return old;
}

static size_t push_index(struct check *c, size_t i)
{
	size_t old = c->len;
	int n = snprintf(c->path + c->len, sizeof(c->path) - c->len, "[%zu]", i);
	if (n > 0 && (size_t)n < sizeof(c->path) - c->len)
		c->len += (size_t)n;
	return old;
}

static void pop(struct check *c, size_t old)
{
	c->len = old;
	c->path[old] = '\0';
}

static enum ll_err fail(const struct check *c, enum ll_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum ll_err fail(const struct check *c, enum ll_err err, const char *fmt, ...)
{
	char msg[LL_MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ll_fail(err, c->path, "%s: %s", c->len ? c->path : "statement", msg);
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return s[n] == '\0';
}

static bool is_media_type(const char *s)
{
	const char *slash = strchr(s, '/');
	if (!slash || slash == s || slash[1] == '\0')
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* ---- Shapes ---- */

/* Every property of obj is one of names (NULL-ended), and none is null. */
static enum ll_err only(struct check *c, const json_t *obj, const char *const *names)
{
	const char *key;
	json_t *v;
	json_object_foreach ((json_t *)obj, key, v) {
		bool is_known = false;
		for (int i = 0; names[i] && !is_known; i++)
			is_known = strcmp(key, names[i]) == 0;
		size_t old = push(c, key);
		enum ll_err err = LL_OK;
		if (!is_known)
			err = fail(c, LL_UNKNOWN_FIELD, "xAPI defines no such property here");
		else if (json_is_null(v))
			err = fail(c, LL_WRONG_TYPE, "null is not a value xAPI allows here");
		pop(c, old);
		if (err != LL_OK)
			return err;
	}
	return LL_OK;
}

static enum ll_err want_object(struct check *c, const json_t *v)
{
	return json_is_object(v) ? LL_OK : fail(c, LL_WRONG_TYPE, "must be an object");
}

/* The string property key of obj, or NULL when absent (LL_MISSING_FIELD when required). */
static enum ll_err string_of(struct check *c, const json_t *obj, const char *key, bool is_required,
			     const char **ret)
{
	json_t *v = json_object_get(obj, key);
	*ret = NULL;
	if (!v && !is_required)
		return LL_OK;
	if (!v) {
		size_t old = push(c, key);
		enum ll_err err = ll_fail(LL_MISSING_FIELD, c->path, "%s is required", c->path);
		pop(c, old);
		return err;
	}
	if (!json_is_string(v)) {
		size_t old = push(c, key);
		enum ll_err err = fail(c, LL_WRONG_TYPE, "must be a string");
		pop(c, old);
		return err;
	}
	*ret = json_string_value(v);
	return LL_OK;
}

static enum ll_err iri_of(struct check *c, const json_t *obj, const char *key, bool is_required, const char **ret)
{
	enum ll_err err = string_of(c, obj, key, is_required, ret);
	if (err == LL_OK && *ret && !lrs_iri_is_valid(*ret)) {
		size_t old = push(c, key);
		err = fail(c, LL_INVALID_VALUE, "must be an absolute IRI");
		pop(c, old);
	}
	return err;
}

static enum ll_err uuid_of(struct check *c, const json_t *obj, const char *key, bool is_required, const char **ret)
{
	enum ll_err err = string_of(c, obj, key, is_required, ret);
	if (err == LL_OK && *ret && !lrs_uuid_is_valid(*ret)) {
		size_t old = push(c, key);
		err = fail(c, LL_INVALID_VALUE, "must be a UUID");
		pop(c, old);
	}
	return err;
}

static enum ll_err check_language_map(struct check *c, const json_t *v)
{
	enum ll_err err = want_object(c, v);
	if (err == LL_OK && json_object_size(v) == 0)
		err = fail(c, LL_INVALID_VALUE, "a language map holds at least one language");
	const char *tag;
	json_t *text;
	json_object_foreach ((json_t *)v, tag, text) {
		if (err != LL_OK)
			break;
		size_t old = push(c, tag);
		if (!lrs_language_tag_is_valid(tag))
			err = fail(c, LL_INVALID_VALUE, "a language map's keys are RFC 5646 language tags");
		else if (!json_is_string(text))
			err = fail(c, LL_WRONG_TYPE, "a language map's values are strings");
		pop(c, old);
	}
	return err;
}

/* The optional language map property key of obj. */
static enum ll_err language_map_of(struct check *c, const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return LL_OK;
	size_t old = push(c, key);
	enum ll_err err = check_language_map(c, v);
	pop(c, old);
	return err;
}

static enum ll_err extensions_of(struct check *c, const json_t *obj)
{
	json_t *v = json_object_get(obj, "extensions");
	if (!v)
		return LL_OK;
	size_t old = push(c, "extensions");
	enum ll_err err = want_object(c, v);
	const char *key;
	json_t *value;
	json_object_foreach (v, key, value) {
		if (err != LL_OK)
			break;
		size_t k = push(c, key);
		if (!lrs_iri_is_valid(key))
			err = fail(c, LL_INVALID_VALUE, "extension keys are IRIs");
		pop(c, k);
	}
	pop(c, old);
	return err;
}

/* ---- Keys of agents and activities ---- */

static const char *pool_add(struct check *c, const char *text)
{
	json_t *str = json_string(text);
	if (!str || json_array_append_new(c->s->pool, str) != 0)
		return NULL;
	return json_string_value(str);
}

static void list_add(const char **list, int *n, const char *v)
{
	for (int i = 0; i < *n; i++)
		if (strcmp(list[i], v) == 0)
			return;
	if (*n < LRS_RELATED_MAX)
		list[(*n)++] = v;
}

static const char *const ACCOUNT_KEYS[] = { "homePage", "name", NULL };

/* The one inverse functional identifier of obj as a key, or "" when it has none. */
static enum ll_err ifi_key(struct check *c, const json_t *obj, char out[LRS_KEY_MAX])
{
	static const char *const ifis[] = { "mbox", "mbox_sha1sum", "openid", "account", NULL };
	int found = 0;
	out[0] = '\0';
	for (int i = 0; ifis[i]; i++) {
		json_t *v = json_object_get(obj, ifis[i]);
		if (!v)
			continue;
		if (++found > 1)
			return fail(c, LL_INVALID_VALUE, "an agent or group has exactly one of mbox, mbox_sha1sum, "
							 "openid and account");
		size_t old = push(c, ifis[i]);
		enum ll_err err = LL_OK;
		const char *s = json_string_value(v);
		int n = 0;
		if (i < 3 && !s) {
			err = fail(c, LL_WRONG_TYPE, "must be a string");
		} else if (i == 0) {
			if (strncmp(s, "mailto:", 7) != 0 || !strchr(s + 7, '@') || strchr(s, ' '))
				err = fail(c, LL_INVALID_VALUE, "must be a mailto: IRI with an email address");
			n = snprintf(out, LRS_KEY_MAX, "mbox:%s", s);
			/* The domain of an address is case-insensitive; its local part is not. */
			for (char *p = strrchr(out, '@'); p && *p; p++)
				*p = (char)tolower((unsigned char)*p);
		} else if (i == 1) {
			if (strlen(s) != 40 || !is_hex(s, 40))
				err = fail(c, LL_INVALID_VALUE, "must be the 40 hexadecimal digits of a SHA-1 hash");
			n = snprintf(out, LRS_KEY_MAX, "sha1:%s", s);
			for (char *p = out + 5; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		} else if (i == 2) {
			if (!lrs_iri_is_valid(s))
				err = fail(c, LL_INVALID_VALUE, "must be a URI");
			n = snprintf(out, LRS_KEY_MAX, "openid:%s", s);
		} else {
			const char *home = NULL, *name = NULL;
			err = want_object(c, v);
			if (err == LL_OK)
				err = only(c, v, ACCOUNT_KEYS);
			if (err == LL_OK)
				err = iri_of(c, v, "homePage", true, &home);
			if (err == LL_OK)
				err = string_of(c, v, "name", true, &name);
			if (err == LL_OK)
				n = snprintf(out, LRS_KEY_MAX, "account:%s %s", home, name);
		}
		pop(c, old);
		if (err != LL_OK)
			return err;
		if (n < 0 || n >= LRS_KEY_MAX)
			return fail(c, LL_TOO_LONG, "the identifier is longer than %d bytes", LRS_KEY_MAX - 100);
	}
	return LL_OK;
}

enum agent_use { AS_ACTOR, AS_OBJECT, AS_MEMBER, AS_INSTRUCTOR, AS_TEAM, AS_AUTHORITY };

static const char *const AGENT_KEYS[] = { "objectType", "name", "mbox", "mbox_sha1sum", "openid", "account", NULL };
static const char *const GROUP_KEYS[] = { "objectType", "name", "mbox", "mbox_sha1sum", "openid", "account",
					  "member", NULL };

/* Checks an agent or group at the current path. *ret_key: its key, pooled (NULL for an anonymous
 * group); members' keys go to members when given. */
static enum ll_err check_agent(struct check *c, const json_t *v, enum agent_use use, const char **ret_key,
			       const char **members, int *n_members)
{
	*ret_key = NULL;
	enum ll_err err = want_object(c, v);
	if (err != LL_OK)
		return err;
	const char *type = NULL;
	if ((err = string_of(c, v, "objectType", false, &type)) != LL_OK)
		return err;
	bool is_group = type && strcmp(type, "Group") == 0;
	if (type && !is_group && strcmp(type, "Agent") != 0) {
		size_t old = push(c, "objectType");
		err = fail(c, LL_INVALID_VALUE, "must be \"Agent\" or \"Group\"");
		pop(c, old);
		return err;
	}
	if (use == AS_MEMBER && is_group)
		return fail(c, LL_INVALID_VALUE, "a group's members are agents, not groups");
	if (use == AS_TEAM && !is_group)
		return fail(c, LL_INVALID_VALUE, "a team is a group: objectType \"Group\"");
	if (use == AS_OBJECT && !type)
		return fail(c, LL_MISSING_FIELD, "an agent or group as the object names its objectType");
	if ((err = only(c, v, is_group ? GROUP_KEYS : AGENT_KEYS)) != LL_OK)
		return err;
	const char *name;
	if ((err = string_of(c, v, "name", false, &name)) != LL_OK)
		return err;
	char key[LRS_KEY_MAX];
	if ((err = ifi_key(c, v, key)) != LL_OK)
		return err;
	json_t *member = json_object_get(v, "member");
	if (!is_group && !key[0])
		return fail(c, LL_MISSING_FIELD, "an agent has one of mbox, mbox_sha1sum, openid and account");
	if (is_group && !key[0] && (!json_is_array(member) || json_array_size(member) == 0))
		return fail(c, LL_MISSING_FIELD, "an anonymous group (one without an identifier) lists its members");
	if (member) {
		size_t old = push(c, "member");
		if (!json_is_array(member))
			err = fail(c, LL_WRONG_TYPE, "must be an array of agents");
		size_t i;
		json_t *m;
		json_array_foreach (member, i, m) {
			if (err != LL_OK)
				break;
			size_t k = push_index(c, i);
			const char *member_key;
			err = check_agent(c, m, AS_MEMBER, &member_key, NULL, NULL);
			if (err == LL_OK && members)
				list_add(members, n_members, member_key);
			pop(c, k);
		}
		pop(c, old);
		if (err != LL_OK)
			return err;
	}
	if (use == AS_AUTHORITY && is_group && (key[0] || json_array_size(member) != 2))
		return fail(c, LL_INVALID_VALUE, "an authority that is a group is anonymous with exactly two members "
						 "(OAuth consumer and user)");
	if (key[0] && !(*ret_key = pool_add(c, key)))
		return LL_NOMEM;
	return LL_OK;
}

enum ll_err lrs_actor_key(const json_t *obj, const char *prefix, char out[LRS_KEY_MAX])
{
	struct lrs_statement scratch = { .pool = json_array() };
	struct check c = { .s = &scratch };
	snprintf(c.path, sizeof(c.path), "%s", prefix ? prefix : "");
	c.len = strlen(c.path);
	const char *key = NULL;
	enum ll_err err = scratch.pool ? check_agent(&c, obj, AS_ACTOR, &key, NULL, NULL) : LL_NOMEM;
	if (err == LL_OK && !key)
		err = fail(&c, LL_INVALID_VALUE, "an anonymous group identifies no one");
	if (err == LL_OK)
		snprintf(out, LRS_KEY_MAX, "%s", key);
	json_decref(scratch.pool);
	return err;
}

/* An agent property (instructor, team, authority) of obj whose agents are related to the
 * statement. */
static enum ll_err related_agent_of(struct check *c, const json_t *obj, const char *name, enum agent_use use)
{
	json_t *v = json_object_get(obj, name);
	if (!v)
		return LL_OK;
	struct lrs_statement *s = c->s;
	size_t old = push(c, name);
	const char *key;
	enum ll_err err = check_agent(c, v, use, &key, s->related_agents, &s->n_related_agents);
	if (err == LL_OK && key)
		list_add(s->related_agents, &s->n_related_agents, key);
	pop(c, old);
	return err;
}

/* ---- Activities ---- */

static const char *const INTERACTION_TYPES[] = { "true-false", "choice", "fill-in", "long-fill-in", "matching",
						 "performance", "sequencing", "likert", "numeric", "other", NULL };
/* The component lists each interaction type may carry. */
static const struct {
	const char *type;
	const char *lists[3];
} COMPONENT_LISTS[] = {
	{ "choice", { "choices" } },  { "sequencing", { "choices" } }, { "likert", { "scale" } },
	{ "matching", { "source", "target" } }, { "performance", { "steps" } },
};
static const char *const ALL_LISTS[] = { "choices", "scale", "source", "target", "steps", NULL };
static const char *const DEFINITION_KEYS[] = { "name", "description", "type", "moreInfo", "extensions",
					       "interactionType", "correctResponsesPattern", "choices",
					       "scale", "source", "target", "steps", NULL };
static const char *const COMPONENT_KEYS[] = { "id", "description", NULL };

static bool list_allowed(const char *interaction, const char *list)
{
	for (size_t i = 0; i < sizeof(COMPONENT_LISTS) / sizeof(COMPONENT_LISTS[0]); i++)
		if (strcmp(COMPONENT_LISTS[i].type, interaction) == 0)
			for (int k = 0; k < 3 && COMPONENT_LISTS[i].lists[k]; k++)
				if (strcmp(COMPONENT_LISTS[i].lists[k], list) == 0)
					return true;
	return false;
}

static enum ll_err check_components(struct check *c, const json_t *list)
{
	if (!json_is_array(list))
		return fail(c, LL_WRONG_TYPE, "must be an array of interaction components");
	size_t i;
	json_t *item;
	enum ll_err err = LL_OK;
	json_array_foreach (list, i, item) {
		size_t old = push_index(c, i);
		const char *id = NULL;
		err = want_object(c, item);
		if (err == LL_OK)
			err = only(c, item, COMPONENT_KEYS);
		if (err == LL_OK)
			err = string_of(c, item, "id", true, &id);
		if (err == LL_OK)
			err = language_map_of(c, item, "description");
		for (size_t k = 0; k < i && err == LL_OK; k++)
			if (strcmp(json_string_value(json_object_get(json_array_get(list, k), "id")), id) == 0)
				err = fail(c, LL_INVALID_VALUE, "the id %s is used by another component of this list",
					   id);
		pop(c, old);
		if (err != LL_OK)
			return err;
	}
	return LL_OK;
}

static enum ll_err check_definition(struct check *c, const json_t *d)
{
	enum ll_err err = want_object(c, d);
	if (err == LL_OK)
		err = only(c, d, DEFINITION_KEYS);
	if (err == LL_OK)
		err = language_map_of(c, d, "name");
	if (err == LL_OK)
		err = language_map_of(c, d, "description");
	const char *s, *interaction = NULL;
	if (err == LL_OK)
		err = iri_of(c, d, "type", false, &s);
	if (err == LL_OK)
		err = iri_of(c, d, "moreInfo", false, &s);
	if (err == LL_OK)
		err = extensions_of(c, d);
	if (err == LL_OK)
		err = string_of(c, d, "interactionType", false, &interaction);
	if (err != LL_OK)
		return err;
	if (interaction) {
		bool is_known = false;
		for (int i = 0; INTERACTION_TYPES[i] && !is_known; i++)
			is_known = strcmp(interaction, INTERACTION_TYPES[i]) == 0;
		if (!is_known) {
			size_t old = push(c, "interactionType");
			err = fail(c, LL_INVALID_VALUE, "is not an interaction type xAPI defines");
			pop(c, old);
			return err;
		}
	}
	json_t *pattern = json_object_get(d, "correctResponsesPattern");
	if (pattern) {
		size_t old = push(c, "correctResponsesPattern");
		if (!interaction)
			err = fail(c, LL_INVALID_VALUE, "belongs to an interaction: name its interactionType");
		else if (!json_is_array(pattern))
			err = fail(c, LL_WRONG_TYPE, "must be an array of strings");
		size_t i;
		json_t *p;
		json_array_foreach (pattern, i, p) {
			if (err == LL_OK && !json_is_string(p)) {
				size_t k = push_index(c, i);
				err = fail(c, LL_WRONG_TYPE, "must be a string");
				pop(c, k);
			}
		}
		pop(c, old);
		if (err != LL_OK)
			return err;
	}
	for (int i = 0; ALL_LISTS[i]; i++) {
		json_t *list = json_object_get(d, ALL_LISTS[i]);
		if (!list)
			continue;
		size_t old = push(c, ALL_LISTS[i]);
		if (!interaction || !list_allowed(interaction, ALL_LISTS[i]))
			err = fail(c, LL_INVALID_VALUE, "is not a component list of interaction type %s",
				   interaction ? interaction : "(none)");
		else
			err = check_components(c, list);
		pop(c, old);
		if (err != LL_OK)
			return err;
	}
	return LL_OK;
}

static const char *const ACTIVITY_KEYS[] = { "objectType", "id", "definition", NULL };

/* Checks an activity at the current path; *ret_id: its id. */
static enum ll_err check_activity(struct check *c, const json_t *v, const char **ret_id)
{
	enum ll_err err = want_object(c, v);
	const char *type = NULL;
	if (err == LL_OK)
		err = only(c, v, ACTIVITY_KEYS);
	if (err == LL_OK)
		err = string_of(c, v, "objectType", false, &type);
	if (err == LL_OK && type && strcmp(type, "Activity") != 0) {
		size_t old = push(c, "objectType");
		err = fail(c, LL_INVALID_VALUE, "must be \"Activity\"");
		pop(c, old);
	}
	if (err == LL_OK)
		err = iri_of(c, v, "id", true, ret_id);
	json_t *d = json_object_get(v, "definition");
	if (err == LL_OK && d) {
		size_t old = push(c, "definition");
		err = check_definition(c, d);
		pop(c, old);
	}
	return err;
}

/* ---- Result and context ---- */

static const char *const RESULT_KEYS[] = { "score", "success", "completion", "response", "duration",
					   "extensions", NULL };
static const char *const SCORE_KEYS[] = { "scaled", "raw", "min", "max", NULL };

static enum ll_err number_of(struct check *c, const json_t *obj, const char *key, bool *has, double *ret)
{
	json_t *v = json_object_get(obj, key);
	*has = v != NULL;
	if (!v)
		return LL_OK;
	if (!json_is_number(v)) {
		size_t old = push(c, key);
		enum ll_err err = fail(c, LL_WRONG_TYPE, "must be a number");
		pop(c, old);
		return err;
	}
	*ret = json_number_value(v);
	return LL_OK;
}

static enum ll_err bool_of(struct check *c, const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_boolean(v))
		return LL_OK;
	size_t old = push(c, key);
	enum ll_err err = fail(c, LL_WRONG_TYPE, "must be true or false");
	pop(c, old);
	return err;
}

static enum ll_err check_score(struct check *c, const json_t *score)
{
	enum ll_err err = want_object(c, score);
	if (err == LL_OK)
		err = only(c, score, SCORE_KEYS);
	bool has_scaled = false, has_raw = false, has_min = false, has_max = false;
	double scaled = 0, raw = 0, min = 0, max = 0;
	if (err == LL_OK)
		err = number_of(c, score, "scaled", &has_scaled, &scaled);
	if (err == LL_OK)
		err = number_of(c, score, "raw", &has_raw, &raw);
	if (err == LL_OK)
		err = number_of(c, score, "min", &has_min, &min);
	if (err == LL_OK)
		err = number_of(c, score, "max", &has_max, &max);
	if (err != LL_OK)
		return err;
	const char *bad = NULL, *why = NULL;
	if (has_scaled && (scaled < -1 || scaled > 1))
		bad = "scaled", why = "is between -1 and 1";
	else if (has_min && has_max && !(min < max))
		bad = "max", why = "is greater than min";
	else if (has_raw && has_min && raw < min)
		bad = "raw", why = "is at least min";
	else if (has_raw && has_max && raw > max)
		bad = "raw", why = "is at most max";
	if (!bad)
		return LL_OK;
	size_t old = push(c, bad);
	err = fail(c, LL_INVALID_VALUE, "%s", why);
	pop(c, old);
	return err;
}

static enum ll_err check_result(struct check *c, const json_t *r)
{
	enum ll_err err = want_object(c, r);
	if (err == LL_OK)
		err = only(c, r, RESULT_KEYS);
	json_t *score = json_object_get(r, "score");
	if (err == LL_OK && score) {
		size_t old = push(c, "score");
		err = check_score(c, score);
		pop(c, old);
	}
	if (err == LL_OK)
		err = bool_of(c, r, "success");
	if (err == LL_OK)
		err = bool_of(c, r, "completion");
	const char *s;
	if (err == LL_OK)
		err = string_of(c, r, "response", false, &s);
	if (err == LL_OK)
		err = string_of(c, r, "duration", false, &s);
	if (err == LL_OK && s && !lrs_duration_is_valid(s)) {
		size_t old = push(c, "duration");
		err = fail(c, LL_INVALID_VALUE, "must be an ISO 8601 duration such as PT1H30M");
		pop(c, old);
	}
	if (err == LL_OK)
		err = extensions_of(c, r);
	return err;
}

static const char *const CONTEXT_KEYS[] = { "registration", "instructor", "team", "contextActivities", "revision",
					    "platform", "language", "statement", "extensions", NULL };
static const char *const CONTEXT_ACTIVITY_KEYS[] = { "parent", "grouping", "category", "other", NULL };
static const char *const STATEMENT_REF_KEYS[] = { "objectType", "id", NULL };

static enum ll_err check_statement_ref(struct check *c, const json_t *v, const char **ret_id)
{
	enum ll_err err = want_object(c, v);
	const char *type = NULL;
	if (err == LL_OK)
		err = only(c, v, STATEMENT_REF_KEYS);
	if (err == LL_OK)
		err = string_of(c, v, "objectType", true, &type);
	if (err == LL_OK && strcmp(type, "StatementRef") != 0) {
		size_t old = push(c, "objectType");
		err = fail(c, LL_INVALID_VALUE, "must be \"StatementRef\"");
		pop(c, old);
	}
	if (err == LL_OK)
		err = uuid_of(c, v, "id", true, ret_id);
	return err;
}

/* Checks contextActivities and makes each of its properties an array (in the stored form). */
static enum ll_err check_context_activities(struct check *c, json_t *ca)
{
	enum ll_err err = want_object(c, ca);
	if (err == LL_OK && json_object_size(ca) == 0)
		err = fail(c, LL_INVALID_VALUE, "names at least one of parent, grouping, category and other");
	if (err == LL_OK)
		err = only(c, ca, CONTEXT_ACTIVITY_KEYS);
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe (ca, tmp, key, v) {
		if (err != LL_OK)
			break;
		size_t old = push(c, key);
		if (json_is_object(v)) {
			json_t *array = json_array();
			if (!array || json_array_append(array, v) != 0 || json_object_set_new(ca, key, array) != 0)
				err = LL_NOMEM;
			v = array;
		} else if (!json_is_array(v)) {
			err = fail(c, LL_WRONG_TYPE, "must be an activity or an array of activities");
		}
		size_t i;
		json_t *activity;
		json_array_foreach (v, i, activity) {
			if (err != LL_OK)
				break;
			size_t k = push_index(c, i);
			const char *id;
			err = check_activity(c, activity, &id);
			if (err == LL_OK)
				list_add(c->s->related_activities, &c->s->n_related_activities, id);
			pop(c, k);
		}
		pop(c, old);
	}
	return err;
}

static enum ll_err check_context(struct check *c, json_t *ctx)
{
	enum ll_err err = want_object(c, ctx);
	if (err == LL_OK)
		err = only(c, ctx, CONTEXT_KEYS);
	const char *s;
	if (err == LL_OK)
		err = uuid_of(c, ctx, "registration", false, &s);
	if (err == LL_OK && s && !c->is_sub) {
		c->s->registration = s;
	}
	if (err == LL_OK)
		err = related_agent_of(c, ctx, "instructor", AS_INSTRUCTOR);
	if (err == LL_OK)
		err = related_agent_of(c, ctx, "team", AS_TEAM);
	json_t *ca = json_object_get(ctx, "contextActivities");
	if (err == LL_OK && ca) {
		size_t old = push(c, "contextActivities");
		err = check_context_activities(c, ca);
		pop(c, old);
	}
	bool is_activity = c->object_type && strcmp(c->object_type, "Activity") == 0;
	static const char *const activity_only[] = { "revision", "platform" };
	for (int i = 0; i < 2 && err == LL_OK; i++) {
		if ((err = string_of(c, ctx, activity_only[i], false, &s)) == LL_OK && s && !is_activity) {
			size_t old = push(c, activity_only[i]);
			err = fail(c, LL_INVALID_VALUE, "is allowed only when the statement's object is an activity");
			pop(c, old);
		}
	}
	if (err == LL_OK && (err = string_of(c, ctx, "language", false, &s)) == LL_OK && s &&
	    !lrs_language_tag_is_valid(s)) {
		size_t old = push(c, "language");
		err = fail(c, LL_INVALID_VALUE, "must be an RFC 5646 language tag");
		pop(c, old);
	}
	json_t *ref = json_object_get(ctx, "statement");
	if (err == LL_OK && ref) {
		size_t old = push(c, "statement");
		err = check_statement_ref(c, ref, &s);
		pop(c, old);
	}
	if (err == LL_OK)
		err = extensions_of(c, ctx);
	return err;
}

/* ---- Attachments ---- */

static const char *const ATTACHMENT_KEYS[] = { "usageType", "display", "description", "contentType", "length",
					       "sha2", "fileUrl", NULL };

static enum ll_err check_attachment(struct check *c, const json_t *a, struct lrs_attachment_ref *ref)
{
	enum ll_err err = want_object(c, a);
	if (err == LL_OK)
		err = only(c, a, ATTACHMENT_KEYS);
	if (err == LL_OK)
		err = iri_of(c, a, "usageType", true, &ref->usage_type);
	if (err == LL_OK && !json_object_get(a, "display"))
		err = fail(c, LL_MISSING_FIELD, "an attachment has a display name (a language map)");
	if (err == LL_OK)
		err = language_map_of(c, a, "display");
	if (err == LL_OK)
		err = language_map_of(c, a, "description");
	if (err == LL_OK)
		err = string_of(c, a, "contentType", true, &ref->content_type);
	if (err == LL_OK && !is_media_type(ref->content_type)) {
		size_t old = push(c, "contentType");
		err = fail(c, LL_INVALID_VALUE, "must be an Internet media type such as application/pdf");
		pop(c, old);
	}
	if (err == LL_OK && strcmp(ref->usage_type, LRS_USAGE_SIGNATURE) == 0 &&
	    strcmp(ref->content_type, "application/octet-stream") != 0) {
		size_t old = push(c, "contentType");
		err = fail(c, LL_INVALID_VALUE, "a signature is sent as application/octet-stream");
		pop(c, old);
	}
	json_t *length = json_object_get(a, "length");
	if (err == LL_OK) {
		size_t old = push(c, "length");
		if (!length)
			err = ll_fail(LL_MISSING_FIELD, c->path, "%s is required", c->path);
		else if (!json_is_integer(length) || json_integer_value(length) < 0)
			err = fail(c, LL_WRONG_TYPE, "must be a whole number of bytes");
		else
			ref->length = json_integer_value(length);
		pop(c, old);
	}
	if (err == LL_OK)
		err = string_of(c, a, "sha2", true, &ref->sha2);
	if (err == LL_OK) {
		size_t n = strlen(ref->sha2);
		if (!((n == 56 || n == 64 || n == 96 || n == 128) && is_hex(ref->sha2, n))) {
			size_t old = push(c, "sha2");
			err = fail(c, LL_INVALID_VALUE, "must be a SHA-2 hash in hexadecimal (SHA-224, 256, 384 or 512)");
			pop(c, old);
		}
	}
	const char *url = NULL;
	if (err == LL_OK)
		err = iri_of(c, a, "fileUrl", false, &url);
	ref->has_file_url = url != NULL;
	return err;
}

static enum ll_err check_attachments(struct check *c, const json_t *list)
{
	if (!json_is_array(list))
		return fail(c, LL_WRONG_TYPE, "must be an array of attachments");
	if (json_array_size(list) > (size_t)(LRS_ATTACHMENTS_MAX - c->s->n_attachments))
		return fail(c, LL_OUT_OF_RANGE, "a statement and its sub-statement have at most %d attachments",
			    LRS_ATTACHMENTS_MAX);
	size_t i;
	json_t *a;
	json_array_foreach (list, i, a) {
		size_t old = push_index(c, i);
		struct lrs_attachment_ref ref = { .is_sub = c->is_sub, .index = (int)i };
		enum ll_err err = check_attachment(c, a, &ref);
		pop(c, old);
		if (err != LL_OK)
			return err;
		c->s->attachments[c->s->n_attachments++] = ref;
	}
	return LL_OK;
}

/* ---- Statements ---- */

static const char *const STATEMENT_KEYS[] = { "id", "actor", "verb", "object", "result", "context", "timestamp",
					      "stored", "authority", "version", "attachments", NULL };
static const char *const SUB_STATEMENT_KEYS[] = { "objectType", "actor", "verb", "object", "result", "context",
						  "timestamp", "attachments", NULL };
static const char *const VERB_KEYS[] = { "id", "display", NULL };

static enum ll_err check_body(struct check *c, json_t *st);

/* The object of a statement or sub-statement. */
static enum ll_err check_object(struct check *c, json_t *obj)
{
	enum ll_err err = want_object(c, obj);
	const char *type = NULL;
	if (err == LL_OK)
		err = string_of(c, obj, "objectType", false, &type);
	if (err != LL_OK)
		return err;
	struct lrs_statement *s = c->s;
	c->object_type = type ? type : "Activity";
	const char *id = NULL, *key = NULL;
	if (strcmp(c->object_type, "Activity") == 0) {
		err = check_activity(c, obj, &id);
		if (err == LL_OK && !c->is_sub) {
			s->object_activity = id;
			s->object_definition = json_object_get(obj, "definition");
		}
		else if (err == LL_OK)
			list_add(s->related_activities, &s->n_related_activities, id);
	} else if (strcmp(type, "Agent") == 0 || strcmp(type, "Group") == 0) {
		bool is_main = !c->is_sub;
		err = check_agent(c, obj, AS_OBJECT, &key, is_main ? s->member_keys : s->related_agents,
				  is_main ? &s->n_member_keys : &s->n_related_agents);
		if (err == LL_OK && key && is_main)
			s->object_agent_key = key;
		else if (err == LL_OK && key)
			list_add(s->related_agents, &s->n_related_agents, key);
	} else if (strcmp(type, "StatementRef") == 0) {
		err = check_statement_ref(c, obj, &id);
		if (err == LL_OK && !c->is_sub)
			s->object_statement = id;
	} else if (strcmp(type, "SubStatement") == 0) {
		if (c->is_sub)
			return fail(c, LL_INVALID_VALUE, "a sub-statement cannot hold another sub-statement");
		if ((err = only(c, obj, SUB_STATEMENT_KEYS)) != LL_OK)
			return err;
		c->is_sub = true;
		err = check_body(c, obj);
		c->is_sub = false;
		c->object_type = "SubStatement";
	} else {
		size_t old = push(c, "objectType");
		err = fail(c, LL_INVALID_VALUE, "must be Activity, Agent, Group, StatementRef or SubStatement");
		pop(c, old);
	}
	return err;
}

/* What a statement and a sub-statement share: actor, verb, object, result, context, timestamp and
 * attachments. */
static enum ll_err check_body(struct check *c, json_t *st)
{
	struct lrs_statement *s = c->s;
	enum ll_err err = LL_OK;
	static const char *const required[] = { "actor", "verb", "object" };
	for (int i = 0; i < 3; i++)
		if (!json_object_get(st, required[i])) {
			size_t old = push(c, required[i]);
			err = ll_fail(LL_MISSING_FIELD, c->path, "%s is required", c->path);
			pop(c, old);
			return err;
		}
	size_t old = push(c, "actor");
	const char *key;
	err = check_agent(c, json_object_get(st, "actor"), AS_ACTOR, &key,
			  c->is_sub ? s->related_agents : s->member_keys,
			  c->is_sub ? &s->n_related_agents : &s->n_member_keys);
	if (err == LL_OK && !c->is_sub)
		s->actor_key = key;
	else if (err == LL_OK && key)
		list_add(s->related_agents, &s->n_related_agents, key);
	pop(c, old);
	if (err != LL_OK)
		return err;

	json_t *verb = json_object_get(st, "verb");
	old = push(c, "verb");
	const char *verb_id = NULL;
	err = want_object(c, verb);
	if (err == LL_OK)
		err = only(c, verb, VERB_KEYS);
	if (err == LL_OK)
		err = iri_of(c, verb, "id", true, &verb_id);
	if (err == LL_OK)
		err = language_map_of(c, verb, "display");
	pop(c, old);
	if (err != LL_OK)
		return err;
	if (!c->is_sub)
		s->verb_id = verb_id;

	old = push(c, "object");
	err = check_object(c, json_object_get(st, "object"));
	pop(c, old);
	if (err != LL_OK)
		return err;
	const char *object_type = c->object_type;
	if (strcmp(verb_id, LRS_VERB_VOIDED) == 0 && !c->is_sub) {
		if (strcmp(object_type, "StatementRef") != 0) {
			old = push(c, "object");
			err = fail(c, LL_INVALID_VALUE, "a voiding statement's object is the StatementRef it voids");
			pop(c, old);
			return err;
		}
		s->is_voiding = true;
	}

	json_t *result = json_object_get(st, "result");
	if (result) {
		old = push(c, "result");
		err = check_result(c, result);
		pop(c, old);
		if (err != LL_OK)
			return err;
	}
	json_t *context = json_object_get(st, "context");
	if (context) {
		old = push(c, "context");
		c->object_type = object_type;
		err = check_context(c, context);
		pop(c, old);
		if (err != LL_OK)
			return err;
	}
	const char *timestamp;
	if ((err = string_of(c, st, "timestamp", false, &timestamp)) != LL_OK)
		return err;
	int64_t t = 0;
	if (timestamp && !lrs_timestamp_parse(timestamp, &t)) {
		old = push(c, "timestamp");
		err = fail(c, LL_INVALID_VALUE, "must be an ISO 8601 date and time with its offset, such as "
						"2026-11-24T09:30:00+08:00");
		pop(c, old);
		return err;
	}
	if (timestamp && !c->is_sub)
		s->timestamp_us = t;
	json_t *attachments = json_object_get(st, "attachments");
	if (attachments) {
		old = push(c, "attachments");
		err = check_attachments(c, attachments);
		pop(c, old);
	}
	return err;
}

bool lrs_version_is_1_0(const char *v)
{
	if (strcmp(v, "1.0") == 0)
		return true;
	if (strncmp(v, "1.0.", 4) != 0 || !isdigit((unsigned char)v[4]))
		return false;
	for (v += 4; isdigit((unsigned char)*v); v++)
		;
	if (*v == '-' && v[1]) /* a pre-release: letters, digits, hyphens and dots (Semantic Versioning) */
		for (v++; isalnum((unsigned char)*v) || *v == '-' || *v == '.'; v++)
			;
	return *v == '\0';
}

void lrs_attachment_path(const struct lrs_attachment_ref *a, const char *prefix, const char *leaf, char *out,
			 size_t size)
{
	snprintf(out, size, "%s%sattachments[%d]%s%s", prefix, a->is_sub ? "object." : "", a->index, *leaf ? "." : "",
		 leaf);
}

static enum ll_err check_statement(struct check *c, json_t *st, const struct lrs_stamp *stamp)
{
	struct lrs_statement *s = c->s;
	enum ll_err err = want_object(c, st);
	if (err == LL_OK)
		err = only(c, st, STATEMENT_KEYS);
	if (err == LL_OK)
		err = uuid_of(c, st, "id", false, &s->id);
	if (err == LL_OK)
		err = check_body(c, st);
	const char *s_str;
	if (err == LL_OK)
		err = string_of(c, st, "version", false, &s_str);
	if (err == LL_OK && s_str && !lrs_version_is_1_0(s_str)) {
		size_t old = push(c, "version");
		err = fail(c, LL_INVALID_VALUE, "this LRS stores statements of version 1.0.x (1.0.0, 1.0.3...)");
		pop(c, old);
	}
	int64_t stored;
	if (err == LL_OK && (err = string_of(c, st, "stored", false, &s_str)) == LL_OK && s_str &&
	    !lrs_timestamp_parse(s_str, &stored)) {
		size_t old = push(c, "stored");
		err = fail(c, LL_INVALID_VALUE, "must be an ISO 8601 date and time");
		pop(c, old);
	}
	json_t *authority = json_object_get(st, "authority");
	if (err == LL_OK && authority) {
		/* Checked as sent, then replaced by the client that sends it. */
		size_t old = push(c, "authority");
		const char *key;
		err = check_agent(c, authority, AS_AUTHORITY, &key, NULL, NULL);
		pop(c, old);
	}
	if (err != LL_OK)
		return err;

	/* The stored form. */
	if (!s->id) {
		if (json_object_set_new(st, "id", json_string(stamp->id)) != 0)
			return LL_NOMEM;
		s->id = json_string_value(json_object_get(st, "id"));
	}
	char lower[37];
	snprintf(lower, sizeof(lower), "%s", s->id);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strcmp(lower, s->id) != 0 && !(s->id = pool_add(c, lower)))
		return LL_NOMEM;
	s->has_timestamp = json_object_get(st, "timestamp") != NULL;
	if (stamp->authority) {
		json_t *copy = json_deep_copy(stamp->authority);
		if (!copy || json_object_set_new(st, "authority", copy) != 0)
			return LL_NOMEM;
		char key[LRS_KEY_MAX];
		if (lrs_actor_key(copy, "authority", key) == LL_OK) {
			const char *pooled = pool_add(c, key);
			if (!pooled)
				return LL_NOMEM;
			list_add(s->related_agents, &s->n_related_agents, pooled);
		}
	}
	if (!json_object_get(st, "version") &&
	    json_object_set_new(st, "version", json_string(LRS_STATEMENT_VERSION_DEFAULT)) != 0)
		return LL_NOMEM;
	if (s->object_statement) {
		snprintf(lower, sizeof(lower), "%s", s->object_statement);
		for (char *p = lower; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!(s->object_statement = pool_add(c, lower)))
			return LL_NOMEM;
	}
	if (s->registration) {
		snprintf(lower, sizeof(lower), "%s", s->registration);
		for (char *p = lower; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!(s->registration = pool_add(c, lower)))
			return LL_NOMEM;
	}
	return LL_OK;
}

/* Whether a contextActivities property of st, or of its sub-statement, is one activity rather than
 * an array: the check makes it an array, so it changes a value below the top level. */
static bool has_lone_context_activity(const json_t *st)
{
	const json_t *levels[] = { st, json_object_get(st, "object") };
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		const json_t *ca = json_object_get(json_object_get(levels[i], "context"), "contextActivities");
		const char *key;
		const json_t *v;
		json_object_foreach ((json_t *)ca, key, v)
			if (json_is_object(v))
				return true;
	}
	return false;
}

enum ll_err lrs_statement_check(const json_t *obj, const char *prefix, const struct lrs_stamp *stamp,
				struct lrs_statement *ret)
{
	struct lrs_statement s = { 0 };
	if (!json_is_object(obj))
		return ll_fail(LL_WRONG_TYPE, prefix && *prefix ? prefix : NULL, "%s: a statement is a JSON object",
			       prefix && *prefix ? prefix : "statement");
	/* The stored form is obj with id, authority and version set at its top level: a copy of that
	 * level shares everything below with obj, unless the check also changes something there
	 * (a whole copy then). Copying every statement whole was about a twelfth of the processor
	 * time a request to store one takes. */
	s.json = has_lone_context_activity(obj) ? json_deep_copy(obj) : json_copy((json_t *)obj);
	s.pool = json_array();
	if (!s.json || !s.pool) {
		lrs_statement_release(&s);
		return LL_NOMEM;
	}
	struct check c = { .s = &s };
	snprintf(c.path, sizeof(c.path), "%s", prefix ? prefix : "");
	c.len = strlen(c.path);
	enum ll_err err = check_statement(&c, s.json, stamp);
	/* The stored form as text, but for what the store adds at commit (see lrs.h). */
	if (err == LL_OK && !(s.text = json_dumps(s.json, JSON_COMPACT)))
		err = LL_NOMEM;
	if (err == LL_OK && s.object_definition &&
	    !(s.definition_text = json_dumps(s.object_definition, JSON_COMPACT | JSON_SORT_KEYS)))
		err = LL_NOMEM;
	if (err != LL_OK) {
		lrs_statement_release(&s);
		return err;
	}
	s.text_len = strlen(s.text);
	*ret = s;
	return LL_OK;
}

void lrs_statement_release(struct lrs_statement *s)
{
	json_decref(s->json);
	json_decref(s->pool);
	free(s->text);
	free(s->definition_text);
	memset(s, 0, sizeof(*s));
}
