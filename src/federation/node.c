/*
 * This node and its peers, without I/O: node ids and names, and what a peer's registration must
 * hold to be trusted (its address, and public keys that are Ed25519 JWKs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../credentials/credentials.h"
#include "../http/fetch.h"
#include "federation.h"

const char *const fed_status_names[] = { "active", "suspended", NULL };

bool fed_node_id_is_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n < 2 || n >= FED_NODE_ID_MAX)
		return false;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == n;
}

const char *fed_node_name(const char *id, bool is_english)
{
	static const struct {
		const char *id, *zh, *en;
	} KNOWN[] = {
		{ "SH", "上海市终身教育学分银行", "Shanghai Lifelong Education Credit Bank" },
		{ "JS", "江苏省终身教育学分银行", "Jiangsu Lifelong Education Credit Bank" },
		{ "ZJ", "浙江省终身教育学分银行", "Zhejiang Lifelong Education Credit Bank" },
		{ "AH", "安徽省终身教育学分银行", "Anhui Lifelong Education Credit Bank" },
	};
	for (size_t i = 0; id && i < sizeof(KNOWN) / sizeof(KNOWN[0]); i++)
		if (strcmp(KNOWN[i].id, id) == 0)
			return is_english ? KNOWN[i].en : KNOWN[i].zh;
	return NULL;
}

/* A DNS name of lowercase letters, digits and hyphens in dot-separated labels that neither start
 * nor end with a hyphen. */
static bool is_host_name(const char *h, size_t len)
{
	size_t label = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || h[i] == '.') {
			if (label == 0 || label > 63 || h[i - 1] == '-' || h[i - label] == '-')
				return false;
			label = 0;
		} else if ((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') || h[i] == '-') {
			label++;
		} else {
			return false;
		}
	}
	return len > 0;
}

/* http(s)://host[:port] without a path (a trailing "/" aside), user, query or fragment, the port
 * 1 to 65535; http only for a local host. */
static bool is_base_url(const char *url, const struct fetch_policy *policy)
{
	const char *host = NULL;
	if (url && strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (url && strncmp(url, "http://", 7) == 0)
		host = url + 7;
	if (!host || !*host || strlen(url) > 200)
		return false;
	size_t name = strcspn(host, ":/");
	size_t digits = host[name] == ':' ? strspn(host + name + 1, "0123456789") : 0;
	long port = digits ? strtol(host + name + 1, NULL, 10) : 0;
	size_t len = name + (host[name] == ':' ? 1 + digits : 0);
	if (!is_host_name(host, name) || (host[name] == ':' && (digits == 0 || digits > 5 || port < 1 || port > 65535)) ||
	    (host[len] && strcmp(host + len, "/") != 0))
		return false;
	if (url[4] == ':') /* http */
		return fetch_is_local_host(policy, host, name);
	return true;
}

enum ll_err fed_peer_check(const struct fed_peer_in *in, const char *own_id, const struct fetch_policy *policy,
			   json_t **ret_keys)
{
	*ret_keys = NULL;
	if (!fed_node_id_is_valid(in->node_id))
		return ll_fail(LL_INVALID_VALUE, "node_id", "a node id is 2 to 8 capital letters (SH, JS, ZJ, AH)");
	if (own_id && strcmp(in->node_id, own_id) == 0)
		return ll_fail(LL_INVALID_VALUE, "node_id", "%s is this node itself", own_id);
	if (!is_base_url(in->base_url, policy))
		return ll_fail(LL_INVALID_VALUE, "base_url",
			       "the address is https://host[:port] (lowercase, no path); http only for a local issuer");
	size_t n = json_array_size(in->keys);
	if (!json_is_array(in->keys) || n == 0 || n > FED_KEYS_MAX)
		return ll_fail(LL_INVALID_VALUE, "keys", "give 1 to %d public keys", FED_KEYS_MAX);
	json_t *keys = json_array();
	if (!keys)
		return LL_NOMEM;
	for (size_t i = 0; i < n; i++) {
		char field[32], kid[JOSE_THUMBPRINT_MAX];
		snprintf(field, sizeof(field), "keys[%zu]", i);
		const char *x = json_string_value(json_array_get(in->keys, i));
		unsigned char *pk = NULL;
		size_t len = 0;
		if (!x || !jose_b64url_decode(x, strlen(x), &pk, &len) || len != JOSE_ED25519_PUBLIC_BYTES) {
			free(pk);
			json_decref(keys);
			return ll_fail(LL_INVALID_VALUE, field, "a key is the base64url x of an Ed25519 JWK: 43 characters");
		}
		jose_jwk_thumbprint(pk, kid);
		bool is_twice = false;
		for (size_t k = 0; k < json_array_size(keys) && !is_twice; k++)
			is_twice = strcmp(json_string_value(json_object_get(json_array_get(keys, k), "kid")), kid) == 0;
		if (is_twice) {
			free(pk);
			json_decref(keys);
			return ll_fail(LL_INVALID_VALUE, field, "the same key is given twice");
		}
		json_array_append_new(keys, jose_jwk_ed25519(pk, kid));
		free(pk);
	}
	*ret_keys = keys;
	return LL_OK;
}
