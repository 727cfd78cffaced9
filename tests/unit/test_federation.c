/*
 * The Yangtze River Delta federation's node and peer registry. Without a database: node ids and
 * the names of the known nodes, and what fed_peer_check takes for a peer (not this node itself, a
 * node id, an https://host[:port] address or http for a host the fetch policy names local, and 1
 * to 8 Ed25519 public keys as base64url x values, stored as JWKs whose kid is the key's RFC 7638
 * thumbprint). With a database, on SQLite and, when LIFELONG_TEST_PG names a server, on
 * PostgreSQL (ledger_fixture.h): registering a peer (a second time is a conflict that changes
 * nothing), changing it (suspend, resume, name, address and keys replaced; updated_at moves,
 * created_at stays), changing an unknown one (not found, nothing stored), listing by node id,
 * reading one, and the audit row of every write.
 */
#include <sodium.h>

#include "ledger_fixture.h"

#include "credentials/credentials.h"
#include "federation/federation.h"
#include "http/fetch.h"

/* RFC 8037 A.2/A.3: an Ed25519 public key's x and its RFC 7638 thumbprint. */
#define RFC8037_X "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define RFC8037_KID "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"

static const char *const LOCAL_HOSTS[] = { "127.0.0.1", "localhost", "credit.bank.internal" };
static const struct fetch_policy POLICY = { .local_hosts = LOCAL_HOSTS, .n_local_hosts = 3 };
static const struct fetch_policy NO_LOCAL = { 0 };

static const struct audit_actor ADMIN = { .id = "user-city-admin", .role = "city_admin", .name = "市管理员" };

static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* ---- Keys ---- */

/* The public key of the Ed25519 key pair made from a seed of n repeated, as raw bytes and as the
 * base64url x a peer's admin gives (malloc'd). */
static char *key_x(int n, unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
	unsigned char seed[crypto_sign_SEEDBYTES], sk[crypto_sign_SECRETKEYBYTES];
	memset(seed, n, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	char *x = jose_b64url_encode(pk, crypto_sign_PUBLICKEYBYTES);
	assert_non_null(x);
	return x;
}

/* A JSON array of the x values of the keys made from seeds first..first+count-1. */
static json_t *keys_of(int first, int count)
{
	json_t *a = json_array();
	for (int i = 0; i < count; i++) {
		unsigned char pk[crypto_sign_PUBLICKEYBYTES];
		char *x = key_x(first + i, pk);
		json_array_append_new(a, json_string(x));
		free(x);
	}
	return a;
}

/* A peer of node id with one key (seed 1), active, at an https address. */
static struct fed_peer_in peer_in(const char *node_id, const json_t *keys)
{
	return (struct fed_peer_in){ .node_id = node_id, .name = "江苏省终身教育学分银行",
				     .base_url = "https://credit.js.cn", .keys = keys, .status = FED_ACTIVE };
}

/* fed_peer_check with policy, own node SH; fails the test unless it is LL_OK. */
static json_t *check_ok(const struct fed_peer_in *in, const struct fetch_policy *policy)
{
	json_t *keys = (json_t *)1;
	enum ll_err err = fed_peer_check(in, "SH", policy, &keys);
	if (err != LL_OK)
		fail_msg("%s refused: %s (%s: %s)", in->base_url, ll_err_code(err), ll_error_get(err)->field,
			 ll_error_get(err)->message);
	assert_non_null(keys);
	return keys;
}

/* fed_peer_check must refuse in with LL_INVALID_VALUE naming field, and give no keys. */
static void check_refused(const struct fed_peer_in *in, const struct fetch_policy *policy, const char *field)
{
	json_t *keys = (json_t *)1;
	enum ll_err err = fed_peer_check(in, "SH", policy, &keys);
	if (err != LL_INVALID_VALUE)
		fail_msg("node_id %s, base_url %s: got %s, want invalid_value on %s", in->node_id ? in->node_id : "(null)",
			 in->base_url ? in->base_url : "(null)", ll_err_code(err), field);
	assert_string_equal(ll_error_get(err)->field, field);
	assert_null(keys);
}

static void url_ok(const char *url, const struct fetch_policy *policy)
{
	json_t *keys = keys_of(1, 1);
	struct fed_peer_in in = peer_in("JS", keys);
	in.base_url = url;
	json_decref(check_ok(&in, policy));
	json_decref(keys);
}

static void url_refused(const char *url, const struct fetch_policy *policy)
{
	json_t *keys = keys_of(1, 1);
	struct fed_peer_in in = peer_in("JS", keys);
	in.base_url = url;
	check_refused(&in, policy, "base_url");
	json_decref(keys);
}

/* keys (taken) refused, naming field. */
static void keys_refused(json_t *keys, const char *field)
{
	struct fed_peer_in in = peer_in("JS", keys);
	check_refused(&in, &POLICY, field);
	json_decref(keys);
}

/* ---- Node ids and names (no database) ---- */

static void test_node_ids_are_2_to_8_capital_letters(void **state)
{
	(void)state;
	const char *good[] = { "SH", "JS", "ZJ", "AH", "ABC", "ABCDEFGH" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(fed_node_id_is_valid(good[i]));
	const char *bad[] = { "", "S", "sh", "Sh", "S1", "12", "S-H", "S H", " SH", "SH ", "ABCDEFGHI", "ＳＨ", "SH\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (fed_node_id_is_valid(bad[i]))
			fail_msg("'%s' taken as a node id", bad[i]);
	assert_false(fed_node_id_is_valid(NULL));
}

static void test_known_nodes_have_chinese_and_english_names(void **state)
{
	(void)state;
	assert_string_equal(fed_node_name("SH", false), "上海市终身教育学分银行");
	assert_string_equal(fed_node_name("SH", true), "Shanghai Lifelong Education Credit Bank");
	assert_string_equal(fed_node_name("JS", false), "江苏省终身教育学分银行");
	assert_string_equal(fed_node_name("JS", true), "Jiangsu Lifelong Education Credit Bank");
	assert_string_equal(fed_node_name("ZJ", false), "浙江省终身教育学分银行");
	assert_string_equal(fed_node_name("ZJ", true), "Zhejiang Lifelong Education Credit Bank");
	assert_string_equal(fed_node_name("AH", false), "安徽省终身教育学分银行");
	assert_string_equal(fed_node_name("AH", true), "Anhui Lifelong Education Credit Bank");
	/* Others, and the known ones in another case, have no name. */
	assert_null(fed_node_name("XX", false));
	assert_null(fed_node_name("XX", true));
	assert_null(fed_node_name("sh", false));
	assert_null(fed_node_name("SHA", true));
	assert_null(fed_node_name("", false));
	assert_null(fed_node_name(NULL, false));
	assert_null(fed_node_name(NULL, true));
}

/* ---- fed_peer_check: the node id ---- */

static void test_peer_check_refuses_this_node_and_bad_ids(void **state)
{
	(void)state;
	json_t *keys = keys_of(1, 1);
	struct fed_peer_in in = peer_in("SH", keys);
	/* This node itself is no peer of its own. */
	check_refused(&in, &POLICY, "node_id");
	const char *bad[] = { "", "S", "js", "J5", "ABCDEFGHI", "J S" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		in.node_id = bad[i];
		check_refused(&in, &POLICY, "node_id");
	}
	in.node_id = NULL;
	check_refused(&in, &POLICY, "node_id");
	/* The node id is checked before the address and keys. */
	in.node_id = "sh";
	in.base_url = "ftp://x";
	in.keys = NULL;
	check_refused(&in, &POLICY, "node_id");

	/* Another node's own id is SH's peer; with no own id given, SH is a peer like any. */
	in = peer_in("SH", keys);
	json_t *got = NULL;
	assert_int_equal(fed_peer_check(&in, "JS", &POLICY, &got), LL_OK);
	json_decref(got);
	got = NULL;
	assert_int_equal(fed_peer_check(&in, NULL, &POLICY, &got), LL_OK);
	json_decref(got);
	in.node_id = "ABCDEFGH";
	json_decref(check_ok(&in, &POLICY));
	json_decref(keys);
}

/* ---- fed_peer_check: the address ---- */

static void test_peer_check_takes_https_host_and_port(void **state)
{
	(void)state;
	const char *good[] = {
		"https://credit.js.cn",     "https://credit.js.cn/",     "https://credit.js.cn:8443",
		"https://credit.js.cn:1",   "https://credit.js.cn:443",  "https://credit.js.cn:65535",
		"https://a",                "https://x-1.example.org",   "https://203.0.113.7:8443",
		/* https is taken for a local host too, with any policy or none. */
		"https://127.0.0.1:9443",   "https://localhost",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		url_ok(good[i], &POLICY);
		url_ok(good[i], &NO_LOCAL);
		url_ok(good[i], NULL);
	}
}

static void test_peer_check_refuses_other_addresses(void **state)
{
	(void)state;
	const char *bad[] = {
		"",                                  /* nothing */
		"credit.js.cn",                      /* no scheme */
		"ftp://credit.js.cn",                /* another scheme */
		"HTTPS://credit.js.cn",              /* the scheme in capitals */
		"https://",                          /* no host */
		"https:///",                         /* no host, a slash */
		"https://Credit.js.cn",              /* a capital in the host */
		"https://CREDIT.JS.CN",
		"https://.credit.js.cn",             /* a host that starts with a dot or a hyphen */
		"https://-credit.js.cn",
		"https://credit.js.cn/api",          /* a path */
		"https://credit.js.cn/api/v1/",
		"https://credit.js.cn//",
		"https://credit.js.cn:8443/x",
		"https://credit.js.cn?x=1",          /* a query */
		"https://credit.js.cn/?x=1",
		"https://credit.js.cn#top",          /* a fragment */
		"https://user@credit.js.cn",         /* user information */
		"https://user:pw@credit.js.cn",
		"https://credit.js.cn@evil.example", /* user information that looks like the host */
		"https://[::1]:8443",                /* an IPv6 literal */
		"https://credit_js.cn",              /* a character no host name has */
		"https://信用.cn",                   /* a name not in ASCII (punycode it) */
		"https://credit.js.cn ",             /* a space */
		" https://credit.js.cn",
		"https://credit.js.cn:",             /* a colon and no port */
		"https://credit.js.cn:123456",       /* six digits */
		"https://credit.js.cn:-1",
		"https://credit.js.cn:84a3",
		"https://credit.js.cn:8443:1",
		"http://credit.js.cn",               /* http to a host not named local */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		url_refused(bad[i], &POLICY);
	url_refused(NULL, &POLICY);

	/* At most 200 characters, in labels of at most 63. */
	char long_url[260] = "https://";
	memset(long_url + 8, 'a', 192);
	for (int i = 8 + 60; i < 8 + 192; i += 61)
		long_url[i] = '.';
	long_url[8 + 192] = '\0';
	url_ok(long_url, &POLICY); /* 200 characters */
	long_url[8 + 192] = 'a';
	long_url[8 + 193] = '\0';
	url_refused(long_url, &POLICY); /* 201 */
	/* Labels: none empty, none longer than 63, none that ends with a hyphen. */
	char label[100] = "https://";
	memset(label + 8, 'b', 64);
	strcpy(label + 8 + 64, ".cn");
	url_refused(label, &POLICY);
	strcpy(label + 8 + 63, ".cn");
	url_ok(label, &POLICY); /* a label of 63 */
	url_refused("https://credit..js.cn", &POLICY);
	url_refused("https://credit.js.cn.", &POLICY);
	url_refused("https://credit-.js.cn", &POLICY);
	url_refused("https://credit.js-", &POLICY);
}

/* A port is 1 to 65535: 0 and what a 16-bit port cannot hold name no address a peer answers at. */
static void test_peer_check_refuses_port_0_and_ports_over_65535(void **state)
{
	(void)state;
	const char *bad[] = { "https://credit.js.cn:0", "https://credit.js.cn:00000", "https://credit.js.cn:65536",
			      "https://credit.js.cn:99999", "http://127.0.0.1:70000" };
	json_t *keys = keys_of(1, 1);
	char taken[512] = "";
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fed_peer_in in = peer_in("JS", keys);
		in.base_url = bad[i];
		json_t *got = NULL;
		enum ll_err err = fed_peer_check(&in, "SH", &POLICY, &got);
		if (err != LL_INVALID_VALUE || strcmp(ll_error_get(err)->field, "base_url") != 0)
			snprintf(taken + strlen(taken), sizeof(taken) - strlen(taken), " %s", bad[i]);
		json_decref(got);
	}
	json_decref(keys);
	/* Every address is tried, and the ones taken are named together. */
	if (taken[0])
		fail_msg("addresses with a port outside 1 to 65535 taken:%s", taken);
}

static void test_peer_check_takes_http_only_for_a_local_host_of_the_policy(void **state)
{
	(void)state;
	const char *local[] = { "http://127.0.0.1", "http://127.0.0.1:18080", "http://127.0.0.1/", "http://localhost:8080",
				"http://credit.bank.internal" };
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		url_ok(local[i], &POLICY);
		/* Without that host named local, or without a policy, plain http is refused. */
		url_refused(local[i], &NO_LOCAL);
		url_refused(local[i], NULL);
	}
	/* Only the host named, the whole of it: not one it starts or ends with, nor another local. */
	const char *others[] = { "http://127.0.0.10", "http://127.0.0.1.evil.example", "http://27.0.0.1",
				 "http://localhost.example.com", "http://bank.internal", "http://credit.bank.internal.cn",
				 "http://10.0.0.1", "http://example.com", "http://127.0.0.1/api", "http://127.0.0.1:",
				 "http://LOCALHOST" };
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		url_refused(others[i], &POLICY);
	/* A policy naming only 127.0.0.1 refuses localhost. */
	static const char *const ONLY_LOOPBACK[] = { "127.0.0.1" };
	struct fetch_policy only = { .local_hosts = ONLY_LOOPBACK, .n_local_hosts = 1 };
	url_ok("http://127.0.0.1:8080", &only);
	url_refused("http://localhost:8080", &only);
}

/* ---- fed_peer_check: the keys ---- */

static void test_peer_check_takes_1_to_8_keys(void **state)
{
	(void)state;
	for (int n = 1; n <= FED_KEYS_MAX; n++) {
		json_t *keys = keys_of(10, n);
		struct fed_peer_in in = peer_in("JS", keys);
		json_t *got = check_ok(&in, &POLICY);
		assert_int_equal(json_array_size(got), n);
		json_decref(got);
		json_decref(keys);
	}
	keys_refused(json_array(), "keys");
	keys_refused(keys_of(10, FED_KEYS_MAX + 1), "keys");
	keys_refused(json_string(RFC8037_X), "keys");
	keys_refused(json_object(), "keys");
	struct fed_peer_in in = peer_in("JS", NULL);
	check_refused(&in, &POLICY, "keys");
}

static void test_peer_check_refuses_keys_that_are_not_32_bytes_of_base64url(void **state)
{
	(void)state;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char *x = key_x(3, pk);
	assert_int_equal(strlen(x), 43);
	char buf[64];
	/* One short, one over, padded. */
	snprintf(buf, sizeof(buf), "%.42s", x);
	keys_refused(json_pack("[s]", buf), "keys[0]");
	snprintf(buf, sizeof(buf), "%sA", x);
	keys_refused(json_pack("[s]", buf), "keys[0]");
	snprintf(buf, sizeof(buf), "%s=", x);
	keys_refused(json_pack("[s]", buf), "keys[0]");
	/* 31 and 33 bytes. */
	unsigned char raw[33];
	memset(raw, 7, sizeof(raw));
	char *x31 = jose_b64url_encode(raw, 31), *x33 = jose_b64url_encode(raw, 33);
	keys_refused(json_pack("[s]", x31), "keys[0]");
	keys_refused(json_pack("[s]", x33), "keys[0]");
	free(x31);
	free(x33);
	/* Standard base64's + and / in place of base64url's - and _. */
	snprintf(buf, sizeof(buf), "+%.42s", x + 1);
	keys_refused(json_pack("[s]", buf), "keys[0]");
	snprintf(buf, sizeof(buf), "/%.42s", x + 1);
	keys_refused(json_pack("[s]", buf), "keys[0]");
	/* 43 characters whose last one leaves bits over (32 bytes end on a character whose two low
	 * bits are zero: A, E, I, ...; B is not one). */
	snprintf(buf, sizeof(buf), "%.42sB", x);
	keys_refused(json_pack("[s]", buf), "keys[0]");
	/* Not a string, an empty one, a JWK given whole, a space or a dot in it. */
	keys_refused(json_pack("[i]", 42), "keys[0]");
	keys_refused(json_pack("[n]"), "keys[0]");
	keys_refused(json_pack("[s]", ""), "keys[0]");
	keys_refused(json_pack("[{s:s, s:s, s:s}]", "kty", "OKP", "crv", "Ed25519", "x", x), "keys[0]");
	snprintf(buf, sizeof(buf), " %.42s", x + 1);
	keys_refused(json_pack("[s]", buf), "keys[0]");
	snprintf(buf, sizeof(buf), ".%.42s", x + 1);
	keys_refused(json_pack("[s]", buf), "keys[0]");
	/* The field names the index of the key that is wrong. */
	keys_refused(json_pack("[s, s, s]", x, RFC8037_X, "nope"), "keys[2]");
	free(x);
}

static void test_peer_check_refuses_a_key_given_twice(void **state)
{
	(void)state;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char *a = key_x(4, pk), *b = key_x(5, pk);
	keys_refused(json_pack("[s, s]", a, a), "keys[1]");
	keys_refused(json_pack("[s, s, s]", a, b, a), "keys[2]");
	keys_refused(json_pack("[s, s, s, s]", a, b, RFC8037_X, b), "keys[3]");
	free(a);
	free(b);
}

static void test_peer_check_stores_jwks_named_by_their_thumbprints(void **state)
{
	(void)state;
	/* The RFC 8037 key: its thumbprint is the RFC's. */
	json_t *keys = json_pack("[s]", RFC8037_X);
	struct fed_peer_in in = peer_in("JS", keys);
	json_t *got = check_ok(&in, &POLICY);
	assert_int_equal(json_array_size(got), 1);
	json_t *jwk = json_array_get(got, 0);
	assert_int_equal(json_object_size(jwk), 4);
	assert_string_equal(jstr(jwk, "kty"), "OKP");
	assert_string_equal(jstr(jwk, "crv"), "Ed25519");
	assert_string_equal(jstr(jwk, "x"), RFC8037_X);
	assert_string_equal(jstr(jwk, "kid"), RFC8037_KID);
	json_decref(got);
	json_decref(keys);

	/* Keys of their own, in the order given, each named by jose_jwk_thumbprint of its bytes,
	 * and read back by jose_jwk_ed25519_parse as those bytes. */
	keys = keys_of(20, FED_KEYS_MAX);
	in = peer_in("ZJ", keys);
	got = check_ok(&in, &POLICY);
	assert_int_equal(json_array_size(got), FED_KEYS_MAX);
	for (int i = 0; i < FED_KEYS_MAX; i++) {
		unsigned char pk[crypto_sign_PUBLICKEYBYTES], parsed[JOSE_ED25519_PUBLIC_BYTES];
		char *x = key_x(20 + i, pk), kid[JOSE_THUMBPRINT_MAX];
		jose_jwk_thumbprint(pk, kid);
		assert_int_equal(strlen(kid), 43);
		jwk = json_array_get(got, (size_t)i);
		assert_int_equal(json_object_size(jwk), 4);
		assert_string_equal(jstr(jwk, "kty"), "OKP");
		assert_string_equal(jstr(jwk, "crv"), "Ed25519");
		assert_string_equal(jstr(jwk, "x"), x);
		assert_string_equal(jstr(jwk, "kid"), kid);
		assert_int_equal(jose_jwk_ed25519_parse(jwk, "keys[0]", parsed), LL_OK);
		assert_memory_equal(parsed, pk, sizeof(pk));
		free(x);
	}
	json_decref(got);
	json_decref(keys);
}

/* ---- The registry (a database on both engines) ---- */

static int64_t peers_count(struct fx *f)
{
	return count_rows(f->st, "federation_peers");
}

/* The audit rows of action on the peer node_id, written by ADMIN. */
static int64_t audit_count(struct fx *f, const char *action, const char *node_id)
{
	return sql_i64(f->st,
		       "SELECT COUNT(*) FROM audit_log WHERE action = $1 AND target_type = 'federation_peer' AND "
		       "target_id = $2 AND actor_id = $3 AND actor_role = $4",
		       SP(SV_TEXT(action), SV_TEXT(node_id), SV_TEXT(ADMIN.id), SV_TEXT(ADMIN.role)));
}

/* Checks in and registers in (own node SH); the peer as stored. */
static json_t *create_ok(struct fx *f, const struct fed_peer_in *in)
{
	json_t *keys = check_ok(in, &POLICY), *peer = NULL;
	assert_ok(fed_peer_create(f->st, in, keys, &ADMIN, &peer));
	assert_non_null(peer);
	json_decref(keys);
	return peer;
}

static json_t *update_ok(struct fx *f, const char *node_id, const struct fed_peer_in *in)
{
	json_t *keys = check_ok(in, &POLICY), *peer = NULL;
	assert_ok(fed_peer_update(f->st, node_id, in, keys, &ADMIN, &peer));
	assert_non_null(peer);
	json_decref(keys);
	return peer;
}

static json_t *get_ok(struct fx *f, const char *node_id)
{
	json_t *peer = NULL;
	assert_ok(fed_peer_get(f->st, node_id, &peer));
	assert_non_null(peer);
	return peer;
}

static void assert_time(const json_t *peer, const char *key, ll_time_us t)
{
	char want[32];
	clock_format_rfc3339(t, want);
	assert_string_equal(jstr(peer, key), want);
}

/* A peer's members are exactly the documented ones, and it says what in registered, with the
 * keys fed_peer_check made. */
static void assert_peer(const json_t *peer, const struct fed_peer_in *in)
{
	const char *members[] = { "node_id", "name", "base_url", "keys", "status", "created_at", "updated_at" };
	assert_int_equal(json_object_size(peer), sizeof(members) / sizeof(members[0]));
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		if (!json_object_get(peer, members[i]))
			fail_msg("the peer has no %s", members[i]);
	assert_string_equal(jstr(peer, "node_id"), in->node_id);
	assert_string_equal(jstr(peer, "name"), in->name);
	assert_string_equal(jstr(peer, "base_url"), in->base_url);
	assert_string_equal(jstr(peer, "status"), fed_status_names[in->status]);
	json_t *want = check_ok(in, &POLICY);
	if (!json_equal(json_object_get(peer, "keys"), want)) {
		char *g = json_dumps(json_object_get(peer, "keys"), JSON_COMPACT), *w = json_dumps(want, JSON_COMPACT);
		fail_msg("keys %s, want %s", g, w);
	}
	json_decref(want);
}

static void test_create_stores_the_peer_and_audits_it(void **state)
{
	struct fx *f = *state;
	assert_int_equal(peers_count(f), 0);
	int64_t audit_before = count_rows(f->st, "audit_log");
	const ll_time_us t = 1780000000000000LL;
	clock_set_fixed(t);
	json_t *keys = keys_of(1, 2);
	struct fed_peer_in in = peer_in("JS", keys);
	json_t *peer = create_ok(f, &in);
	assert_peer(peer, &in);
	assert_time(peer, "created_at", t);
	assert_time(peer, "updated_at", t);
	assert_int_equal(peers_count(f), 1);
	/* One audit row, by the admin, naming the peer; nothing else audited. */
	assert_int_equal(audit_count(f, "federation_peer.create", "JS"), 1);
	assert_int_equal(count_rows(f->st, "audit_log"), audit_before + 1);
	assert_int_equal(sql_i64(f->st, "SELECT at FROM audit_log WHERE action = 'federation_peer.create'", SP_NONE), t);
	assert_int_equal(sql_i64(f->st, "SELECT COUNT(*) FROM federation_peers WHERE node_id = 'JS' AND created_by = $1",
				 SP(SV_TEXT(ADMIN.id))),
			 1);

	/* Read back as it was written. */
	json_t *got = get_ok(f, "JS");
	assert_true(json_equal(got, peer));
	json_decref(got);
	/* A peer registered suspended stays so. */
	in = peer_in("ZJ", keys);
	in.status = FED_SUSPENDED;
	in.base_url = "http://127.0.0.1:18080";
	json_t *zj = create_ok(f, &in);
	assert_peer(zj, &in);
	assert_string_equal(jstr(zj, "status"), "suspended");
	assert_int_equal(audit_count(f, "federation_peer.create", "ZJ"), 1);
	json_decref(zj);
	json_decref(peer);
	json_decref(keys);
}

static void test_create_of_a_registered_node_id_conflicts_and_changes_nothing(void **state)
{
	struct fx *f = *state;
	json_t *keys = keys_of(1, 1);
	struct fed_peer_in in = peer_in("JS", keys);
	json_t *first = create_ok(f, &in);
	int64_t audit_before = count_rows(f->st, "audit_log");

	/* The same node id with another name, address, keys and status. */
	json_t *other_keys = keys_of(7, 3);
	struct fed_peer_in again = { .node_id = "JS", .name = "冒名", .base_url = "https://evil.example",
				     .keys = other_keys, .status = FED_SUSPENDED };
	json_t *checked = check_ok(&again, &POLICY), *peer = NULL;
	assert_fails(fed_peer_create(f->st, &again, checked, &ADMIN, &peer), LL_CONFLICT, "node_id");
	assert_null(peer);
	json_decref(checked);

	assert_int_equal(peers_count(f), 1);
	assert_int_equal(count_rows(f->st, "audit_log"), audit_before);
	assert_int_equal(audit_count(f, "federation_peer.create", "JS"), 1);
	json_t *got = get_ok(f, "JS");
	assert_true(json_equal(got, first));
	json_decref(got);
	json_decref(first);
	json_decref(other_keys);
	json_decref(keys);
}

static void test_update_suspends_resumes_and_replaces_the_peer(void **state)
{
	struct fx *f = *state;
	const ll_time_us t0 = 1780000000000000LL, t1 = t0 + 60000000LL, t2 = t1 + 123456LL;
	clock_set_fixed(t0);
	json_t *keys = keys_of(1, 2);
	struct fed_peer_in in = peer_in("JS", keys);
	json_decref(create_ok(f, &in));

	/* Suspended: only the status and updated_at change. */
	clock_set_fixed(t1);
	in.status = FED_SUSPENDED;
	json_t *peer = update_ok(f, "JS", &in);
	assert_peer(peer, &in);
	assert_string_equal(jstr(peer, "status"), "suspended");
	assert_time(peer, "created_at", t0);
	assert_time(peer, "updated_at", t1);
	json_t *got = get_ok(f, "JS");
	assert_true(json_equal(got, peer));
	json_decref(got);
	json_decref(peer);
	assert_int_equal(audit_count(f, "federation_peer.update", "JS"), 1);

	/* Active again, with another name, address and keys, which replace the old ones. */
	clock_set_fixed(t2);
	json_t *new_keys = keys_of(30, 3);
	struct fed_peer_in next = { .node_id = "JS", .name = "Jiangsu Credit Bank", .base_url = "https://fed.jscredit.cn:8443",
				    .keys = new_keys, .status = FED_ACTIVE };
	peer = update_ok(f, "JS", &next);
	assert_peer(peer, &next);
	assert_int_equal(json_array_size(json_object_get(peer, "keys")), 3);
	assert_time(peer, "created_at", t0);
	assert_time(peer, "updated_at", t2);
	got = get_ok(f, "JS");
	assert_true(json_equal(got, peer));
	json_decref(got);
	json_decref(peer);

	/* One create and two updates, each one row naming the peer; still one peer. */
	assert_int_equal(audit_count(f, "federation_peer.create", "JS"), 1);
	assert_int_equal(audit_count(f, "federation_peer.update", "JS"), 2);
	assert_int_equal(sql_i64(f->st,
				 "SELECT COUNT(*) FROM audit_log WHERE action = 'federation_peer.update' AND at = $1",
				 SP(SV_I64(t2))),
			 1);
	assert_int_equal(peers_count(f), 1);
	json_decref(new_keys);
	json_decref(keys);
}

static void test_update_of_an_unknown_peer_is_not_found_and_stores_nothing(void **state)
{
	struct fx *f = *state;
	json_t *keys = keys_of(1, 1);
	int64_t audit_before = count_rows(f->st, "audit_log");
	struct fed_peer_in in = peer_in("ZJ", keys);
	json_t *checked = check_ok(&in, &POLICY), *peer = NULL;
	assert_fails(fed_peer_update(f->st, "ZJ", &in, checked, &ADMIN, &peer), LL_NOT_FOUND, NULL);
	assert_null(peer);
	assert_int_equal(peers_count(f), 0);
	assert_int_equal(count_rows(f->st, "audit_log"), audit_before);

	/* With another peer registered, that one is left as it was. */
	struct fed_peer_in js = peer_in("JS", keys);
	json_t *first = create_ok(f, &js);
	audit_before = count_rows(f->st, "audit_log");
	assert_fails(fed_peer_update(f->st, "ZJ", &in, checked, &ADMIN, &peer), LL_NOT_FOUND, NULL);
	assert_null(peer);
	assert_int_equal(peers_count(f), 1);
	assert_int_equal(count_rows(f->st, "audit_log"), audit_before);
	assert_int_equal(audit_count(f, "federation_peer.update", "ZJ"), 0);
	json_t *got = get_ok(f, "JS");
	assert_true(json_equal(got, first));
	json_decref(got);
	json_decref(first);
	json_decref(checked);
	json_decref(keys);
}

static void test_list_is_by_node_id_and_get_reads_one(void **state)
{
	struct fx *f = *state;
	json_t *page = NULL;
	assert_ok(fed_peer_list(f->st, &page));
	assert_int_equal(json_object_size(page), 1);
	assert_true(json_is_array(json_object_get(page, "items")));
	assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
	json_decref(page);

	/* Registered out of order. */
	const char *ids[] = { "ZJ", "AH", "JSX", "JS", "AHB" };
	json_t *stored[5];
	for (int i = 0; i < 5; i++) {
		json_t *keys = keys_of(40 + i, 1);
		struct fed_peer_in in = peer_in(ids[i], keys);
		in.status = i % 2 ? FED_SUSPENDED : FED_ACTIVE;
		stored[i] = create_ok(f, &in);
		json_decref(keys);
	}
	assert_ok(fed_peer_list(f->st, &page));
	json_t *items = json_object_get(page, "items");
	const char *want[] = { "AH", "AHB", "JS", "JSX", "ZJ" };
	assert_int_equal(json_array_size(items), 5);
	for (size_t i = 0; i < 5; i++) {
		json_t *item = json_array_get(items, i);
		assert_string_equal(jstr(item, "node_id"), want[i]);
		/* Each listed as it reads alone. */
		json_t *one = get_ok(f, want[i]);
		assert_true(json_equal(item, one));
		json_decref(one);
	}
	json_decref(page);
	for (int i = 0; i < 5; i++) {
		json_t *one = get_ok(f, ids[i]);
		assert_true(json_equal(one, stored[i]));
		json_decref(one);
		json_decref(stored[i]);
	}

	/* Not registered, not a node id, in another case, or this node: not found. */
	const char *none[] = { "SH", "XX", "js", "J", "" };
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		json_t *peer = NULL;
		assert_fails(fed_peer_get(f->st, none[i], &peer), LL_NOT_FOUND, NULL);
		assert_null(peer);
	}
}

int main(void)
{
	const struct CMUnitTest rules[] = {
		cmocka_unit_test(test_node_ids_are_2_to_8_capital_letters),
		cmocka_unit_test(test_known_nodes_have_chinese_and_english_names),
		cmocka_unit_test(test_peer_check_refuses_this_node_and_bad_ids),
		cmocka_unit_test(test_peer_check_takes_https_host_and_port),
		cmocka_unit_test(test_peer_check_refuses_other_addresses),
		cmocka_unit_test(test_peer_check_refuses_port_0_and_ports_over_65535),
		cmocka_unit_test(test_peer_check_takes_http_only_for_a_local_host_of_the_policy),
		cmocka_unit_test(test_peer_check_takes_1_to_8_keys),
		cmocka_unit_test(test_peer_check_refuses_keys_that_are_not_32_bytes_of_base64url),
		cmocka_unit_test(test_peer_check_refuses_a_key_given_twice),
		cmocka_unit_test(test_peer_check_stores_jwks_named_by_their_thumbprints),
	};
#define T(name) cmocka_unit_test_setup_teardown(name, setup_ledger, teardown_ledger)
	const struct CMUnitTest registry[] = {
		T(test_create_stores_the_peer_and_audits_it),
		T(test_create_of_a_registered_node_id_conflicts_and_changes_nothing),
		T(test_update_suspends_resumes_and_replaces_the_peer),
		T(test_update_of_an_unknown_peer_is_not_found_and_stores_nothing),
		T(test_list_is_by_node_id_and_get_reads_one),
	};
#undef T
	log_set_level(LOG_ERROR);
	if (crypto_init() != LL_OK)
		return 1;
	int failed = cmocka_run_group_tests_name("federation rules", rules, NULL, NULL);
	failed += ledger_fixture_run("federation registry", registry, sizeof(registry) / sizeof(registry[0]));
	return failed ? 1 : 0;
}
