/*
 * The credential cache: a fixed table of entries, each in one of 64 lock stripes, indexed by the
 * first bytes of the credential's hash (already uniformly random). A user is packed into the
 * entry's own bytes, so nothing here allocates and nothing outlives the table.
 */
#include "auth_cache.h"

#include <pthread.h>
#include <string.h>

#include "../base/clock.h"

#define CACHE_ENTRIES 4096
#define CACHE_STRIPES 64
#define PACK_BYTES 1024
#define N_STRINGS 11

struct cache_entry {
	bool is_used;
	unsigned char hash[CRYPTO_HASH_BYTES];
	int64_t cached_at;
	int64_t credential_expires_at;
	bool is_read_only;
	bool has_csrf;
	enum role role;
	bool is_elder_mode;
	int64_t created_at;
	char user_id[40];
	uint16_t offsets[N_STRINGS + 1];  /* string i is pack[offsets[i]], or absent when 0xffff */
	char pack[PACK_BYTES];
};

static struct cache_entry entries[CACHE_ENTRIES];
static pthread_mutex_t stripes[CACHE_STRIPES] = { [0 ... CACHE_STRIPES - 1] = PTHREAD_MUTEX_INITIALIZER };

static size_t slot_of(const unsigned char hash[CRYPTO_HASH_BYTES])
{
	uint32_t h;
	memcpy(&h, hash, sizeof(h));
	return h % CACHE_ENTRIES;
}

static pthread_mutex_t *stripe_of(size_t slot)
{
	return &stripes[slot % CACHE_STRIPES];
}

/* The user's strings, in the order they are packed. */
static void user_strings(const struct user *u, const char *csrf, const char *out[N_STRINGS])
{
	const char *s[N_STRINGS] = { u->id, u->login, u->display_name, u->institution_id, u->institution_name,
				     u->institution_type, u->district_code, u->district_name, u->person_id, u->locale,
				     csrf };
	memcpy(out, s, sizeof(s));
}

void auth_cache_put(const unsigned char hash[CRYPTO_HASH_BYTES], const struct user *u, const char *csrf,
		    bool is_read_only, int64_t credential_expires_at)
{
	struct cache_entry e = { .is_used = true, .cached_at = clock_now_us(),
				 .credential_expires_at = credential_expires_at, .is_read_only = is_read_only,
				 .has_csrf = csrf != NULL, .role = u->role, .is_elder_mode = u->is_elder_mode,
				 .created_at = u->created_at };
	const char *s[N_STRINGS];
	size_t used = 0;
	if (!u->id || strlen(u->id) >= sizeof(e.user_id))
		return;
	memcpy(e.hash, hash, CRYPTO_HASH_BYTES);
	strcpy(e.user_id, u->id);
	user_strings(u, csrf, s);
	for (int i = 0; i < N_STRINGS; i++) {
		if (!s[i]) {
			e.offsets[i] = 0xffff;
			continue;
		}
		size_t n = strlen(s[i]) + 1;
		if (used + n > PACK_BYTES)
			return; /* too long to cache: the database answers this one every time */
		memcpy(e.pack + used, s[i], n);
		e.offsets[i] = (uint16_t)used;
		used += n;
	}
	size_t slot = slot_of(hash);
	pthread_mutex_lock(stripe_of(slot));
	memcpy(&entries[slot], &e, offsetof(struct cache_entry, pack) + used);
	pthread_mutex_unlock(stripe_of(slot));
}

bool auth_cache_get(const unsigned char hash[CRYPTO_HASH_BYTES], struct arena *a, struct user *ret_user,
		    const char **ret_csrf, bool *ret_is_read_only)
{
	size_t slot = slot_of(hash);
	int64_t now = clock_now_us();
	const char *s[N_STRINGS] = { 0 };
	struct cache_entry *e = &entries[slot];
	bool is_hit = false;
	pthread_mutex_lock(stripe_of(slot));
	if (e->is_used && memcmp(e->hash, hash, CRYPTO_HASH_BYTES) == 0 && now - e->cached_at < AUTH_CACHE_TTL_US &&
	    (!e->credential_expires_at || e->credential_expires_at > now)) {
		is_hit = true;
		for (int i = 0; i < N_STRINGS && is_hit; i++) {
			if (e->offsets[i] == 0xffff)
				continue;
			s[i] = arena_strdup(a, e->pack + e->offsets[i]);
			is_hit = s[i] != NULL;
		}
		if (is_hit) {
			memset(ret_user, 0, sizeof(*ret_user));
			ret_user->role = e->role;
			ret_user->is_elder_mode = e->is_elder_mode;
			ret_user->created_at = e->created_at;
			*ret_is_read_only = e->is_read_only;
		}
	}
	pthread_mutex_unlock(stripe_of(slot));
	if (!is_hit)
		return false;
	ret_user->id = s[0];
	ret_user->login = s[1];
	ret_user->display_name = s[2];
	ret_user->institution_id = s[3];
	ret_user->institution_name = s[4];
	ret_user->institution_type = s[5];
	ret_user->district_code = s[6];
	ret_user->district_name = s[7];
	ret_user->person_id = s[8];
	ret_user->locale = s[9];
	*ret_csrf = s[10];
	return true;
}

void auth_cache_forget(const unsigned char hash[CRYPTO_HASH_BYTES])
{
	size_t slot = slot_of(hash);
	pthread_mutex_lock(stripe_of(slot));
	if (memcmp(entries[slot].hash, hash, CRYPTO_HASH_BYTES) == 0)
		entries[slot].is_used = false;
	pthread_mutex_unlock(stripe_of(slot));
}

void auth_cache_forget_user(const char *user_id)
{
	for (size_t slot = 0; slot < CACHE_ENTRIES; slot++) {
		pthread_mutex_lock(stripe_of(slot));
		if (entries[slot].is_used && strcmp(entries[slot].user_id, user_id) == 0)
			entries[slot].is_used = false;
		pthread_mutex_unlock(stripe_of(slot));
	}
}
