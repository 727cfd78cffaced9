/*
 * Sign-in rules without I/O: password and login policy, role affiliations, back-off, and the gate
 * that bounds how many Argon2id hashes run at once (each takes ~85 ms and 64 MiB here, so a flood
 * of sign-ins must queue briefly and then be turned away, never exhaust memory).
 */
#include "auth.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/json.h"

enum ll_err auth_check_password(const char *password, const char *login)
{
	size_t chars = json_utf8_chars(password);
	if (chars < AUTH_PASSWORD_MIN)
		return ll_fail(LL_WEAK_PASSWORD, "password", "password must have at least %d characters",
			       AUTH_PASSWORD_MIN);
	if (chars > AUTH_PASSWORD_MAX)
		return ll_fail(LL_TOO_LONG, "password", "password must have at most %d characters", AUTH_PASSWORD_MAX);
	int has_digit = 0, has_alpha = 0, has_other = 0;
	for (const unsigned char *p = (const unsigned char *)password; *p; p++) {
		if (*p >= '0' && *p <= '9')
			has_digit = 1;
		else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			has_alpha = 1;
		else
			has_other = 1;
	}
	if (has_digit + has_alpha + has_other < 2)
		return ll_fail(LL_WEAK_PASSWORD, "password",
			       "password must mix at least two of letters, digits and other characters");
	if (login && strcasecmp(password, login) == 0)
		return ll_fail(LL_WEAK_PASSWORD, "password", "password must differ from the login");
	return LL_OK;
}

enum ll_err auth_check_login(const char *login)
{
	size_t n = strlen(login);
	if (n < 3 || n > 64)
		return ll_fail(LL_INVALID_VALUE, "login", "login must have 3 to 64 characters");
	for (const char *p = login; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '@'))
			return ll_fail(LL_INVALID_VALUE, "login",
				       "login may hold only lowercase letters, digits and . _ - @");
	}
	return LL_OK;
}

enum ll_err auth_check_user_in(const struct user_in *in)
{
	enum ll_err err = auth_check_login(in->login);
	if (err != LL_OK)
		return err;
	if (!role_is_user(in->role))
		return ll_fail(LL_INVALID_VALUE, "role", "unknown role");
	if (in->display_name && json_utf8_chars(in->display_name) > 100)
		return ll_fail(LL_TOO_LONG, "display_name", "display_name is longer than 100 characters");
	if ((in->role == ROLE_STAFF || in->role == ROLE_INSTITUTION_ADMIN) && !in->institution_id)
		return ll_fail(LL_MISSING_FIELD, "institution", "role %s needs an institution", role_name(in->role));
	if (in->role == ROLE_DISTRICT_ADMIN && !in->district_code)
		return ll_fail(LL_MISSING_FIELD, "district", "role district_admin needs a district");
	if (in->role == ROLE_CITIZEN && !in->person_id)
		return ll_fail(LL_MISSING_FIELD, "person", "role citizen needs a learning account");
	if (in->role != ROLE_CITIZEN && in->person_id)
		return ll_fail(LL_INVALID_VALUE, "person", "only citizens have a learning account");
	if (in->role != ROLE_DISTRICT_ADMIN && in->district_code)
		return ll_fail(LL_INVALID_VALUE, "district", "only district_admin belongs to a district office");
	if ((in->role == ROLE_CITIZEN || in->role == ROLE_DISTRICT_ADMIN || in->role == ROLE_CITY_ADMIN ||
	     in->role == ROLE_AUDITOR) && in->institution_id)
		return ll_fail(LL_INVALID_VALUE, "institution", "role %s does not belong to an institution",
			       role_name(in->role));
	if (in->password) {
		err = auth_check_password(in->password, in->login);
		if (err != LL_OK)
			return err;
	}
	return LL_OK;
}

int64_t auth_backoff_s(int failed_count)
{
	if (failed_count >= AUTH_LOCK_AFTER)
		return 15 * 60;
	if (failed_count >= 3)
		return 2LL << (2 * (failed_count - 3)); /* 2 s, then 8 s */
	return 0;
}

struct pw_gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int slots;
	int busy;
	int waiting;
	int max_waiting;
};

struct pw_gate *pw_gate_new(int slots, int max_waiting)
{
	struct pw_gate *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->slots = slots > 0 ? slots : 1;
	g->max_waiting = max_waiting;
	return g;
}

struct pw_gate *pw_gate_free(struct pw_gate *g)
{
	if (g) {
		pthread_mutex_destroy(&g->lock);
		pthread_cond_destroy(&g->cond);
		free(g);
	}
	return NULL;
}

static enum ll_err gate_enter(struct pw_gate *g)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	pthread_mutex_lock(&g->lock);
	if (g->busy >= g->slots && g->waiting >= g->max_waiting) {
		pthread_mutex_unlock(&g->lock);
		return ll_fail(LL_BUSY, NULL, "too many sign-ins at once, try again in a few seconds");
	}
	g->waiting++;
	while (g->busy >= g->slots) {
		if (pthread_cond_timedwait(&g->cond, &g->lock, &deadline) != 0 && g->busy >= g->slots) {
			g->waiting--;
			pthread_mutex_unlock(&g->lock);
			return ll_fail(LL_BUSY, NULL, "too many sign-ins at once, try again in a few seconds");
		}
	}
	g->waiting--;
	g->busy++;
	pthread_mutex_unlock(&g->lock);
	return LL_OK;
}

static void gate_leave(struct pw_gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->busy--;
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

enum ll_err pw_gate_hash(struct pw_gate *g, const char *password, char out[CRYPTO_PWHASH_MAX])
{
	enum ll_err err = gate_enter(g);
	if (err != LL_OK)
		return err;
	err = crypto_password_hash(password, out);
	gate_leave(g);
	return err;
}

enum ll_err pw_gate_verify(struct pw_gate *g, const char *stored, const char *password, bool *ret_ok)
{
	enum ll_err err = gate_enter(g);
	if (err != LL_OK)
		return err;
	*ret_ok = crypto_password_verify(stored, password);
	gate_leave(g);
	return LL_OK;
}
