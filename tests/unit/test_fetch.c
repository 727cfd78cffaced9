/*
 * Fetching other issuers' documents without a network: the address a did:web DID names (did:web
 * §3.2: a port percent-encoded, a path of colon-separated segments, /.well-known without one; http
 * only for a host named local), DIDs that name nothing fetchable, and the refusals that come
 * before any byte is sent: plain http to a host not named local, and https to an address of this
 * machine or a private network (loopback, RFC 1918, link-local), whatever name leads there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "credentials/credentials.h"
#include "http/fetch.h"

static const char *const LOCAL[] = { "127.0.0.1", "credit.bank.internal" };
static const struct fetch_policy POLICY = { .local_hosts = LOCAL, .n_local_hosts = 2, .timeout_ms = 2000 };

static void assert_url(const char *did, const char *want)
{
	char url[CRED_URL_MAX];
	assert_int_equal(cred_did_web_url(did, &POLICY, url), LL_OK);
	assert_string_equal(url, want);
}

static void test_did_web_names_its_document(void **state)
{
	assert_url("did:web:lifelong.js.cn", "https://lifelong.js.cn/.well-known/did.json");
	assert_url("did:web:lifelong.zj.cn%3A8443", "https://lifelong.zj.cn:8443/.well-known/did.json");
	assert_url("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json");
	assert_url("did:web:127.0.0.1%3A18080", "http://127.0.0.1:18080/.well-known/did.json");
	assert_url("did:web:credit.bank.internal", "http://credit.bank.internal/.well-known/did.json");
}

static void test_other_dids_name_nothing_to_fetch(void **state)
{
	char url[CRED_URL_MAX];
	const char *const bad[] = { "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "did:web:", "https://x.cn",
				    "did:web:evil.cn%2F..%2F", "did:web:a b.cn", "did:web:host.cn:pa th", NULL };
	for (int i = 0; bad[i]; i++)
		assert_int_equal(cred_did_web_url(bad[i], &POLICY, url), LL_INVALID_VALUE);
	assert_int_equal(cred_did_web_url(NULL, &POLICY, url), LL_INVALID_VALUE);
}

static void assert_refused(const char *url, const char *reason)
{
	struct fetched f;
	assert_int_equal(fetch_get(&POLICY, url, "application/json", &f), LL_IO);
	assert_null(f.body);
	const char *msg = ll_error_get(LL_IO)->message;
	if (!strstr(msg, reason))
		fail_msg("%s: \"%s\" does not say \"%s\"", url, msg, reason);
}

static void test_plain_http_is_only_for_local_hosts(void **state)
{
	assert_refused("http://lifelong.js.cn/.well-known/did.json", "only https");
	assert_refused("ftp://127.0.0.1/x", "only https");
	assert_refused("file:///etc/passwd", "only https");
}

static void test_addresses_inside_are_refused_before_connecting(void **state)
{
	assert_refused("https://127.0.0.2:9/.well-known/did.json", "inside this network");
	assert_refused("https://10.1.2.3:9/x", "inside this network");
	assert_refused("https://192.168.0.1:9/x", "inside this network");
	assert_refused("https://172.16.5.4:9/x", "inside this network");
	assert_refused("https://169.254.169.254/latest/meta-data", "inside this network");
	assert_refused("https://[::1]:9/x", "inside this network");
	assert_refused("https://[fd00::1]:9/x", "inside this network");
	assert_refused("https://[::ffff:127.0.0.1]:9/x", "inside this network");
	/* A name that resolves to loopback is refused as its address would be. */
	assert_refused("https://localhost:9/x", "inside this network");
}

int main(void)
{
	if (fetch_init() != LL_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_did_web_names_its_document),
		cmocka_unit_test(test_other_dids_name_nothing_to_fetch),
		cmocka_unit_test(test_plain_http_is_only_for_local_hosts),
		cmocka_unit_test(test_addresses_inside_are_refused_before_connecting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
