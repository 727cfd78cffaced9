/*
 * lifelong verify FILE: checks a credential offline against the keys of DID documents given as
 * files (an issuer serves its own at /.well-known/did.json) and the status lists given as files,
 * and prints each check. Exit code 0 when it is valid, 65 when it is not.
 * lifelong credentials rotate-key: a new issuer key signs from now on (older ones still verify).
 * lifelong credentials did: prints this node's DID document, to hand to offline verifiers.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../base/clock.h"
#include "../base/crypto.h"
#include "../credentials/credentials.h"
#include "../lrs/lrs.h"
#include "../store/store.h"
#include "cli.h"

#define DOCUMENTS_MAX 16
#define LISTS_MAX 16

static const char verify_help[] =
	"usage: lifelong verify [OPTIONS] FILE\n\n"
	"Checks the credential in FILE (a JWS in compact serialization, as Lifelong issues it, or a JSON\n"
	"object with it as \"jws\") with the keys the DID documents name: that it is a verifiable\n"
	"credential, that its issuer's published key signed it, that it is within its validity dates, and\n"
	"that it is not revoked in the status list given, and that the ledger entry it carries is in its\n"
	"issuer's signed ledger. Needs no database and no network. Exits with 0 when it is valid, 65 when\n"
	"it is not.\n\n"
	"  --did FILE        an issuer's DID document (from https://HOST/.well-known/did.json); repeat for more\n"
	"  --status FILE     a status list credential (from the credential's statusListCredential address);\n"
	"                    without it, revocation is not checked\n"
	"  --json            print the report as JSON\n";

/* The file's text, malloc'd; NULL (with a message) when it cannot be read. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "lifelong verify: cannot open %s\n", path);
		return NULL;
	}
	size_t cap = 1 << 16, len = 0;
	char *s = malloc(cap);
	size_t n;
	while (s && (n = fread(s + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *bigger = cap < (64u << 20) ? realloc(s, cap * 2) : NULL;
			if (!bigger) {
				free(s);
				s = NULL;
				break;
			}
			s = bigger;
			cap *= 2;
		}
	}
	fclose(f);
	if (!s) {
		fprintf(stderr, "lifelong verify: %s is too large\n", path);
		return NULL;
	}
	s[len] = '\0';
	return s;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = { { "did", required_argument, NULL, 'd' },
					      { "status", required_argument, NULL, 's' },
					      { "json", no_argument, NULL, 'j' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	json_t *docs[DOCUMENTS_MAX];
	char *lists[LISTS_MAX];
	int n_docs = 0, n_lists = 0, status = 64, c;
	bool is_json = false;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'd') {
			char *text = n_docs < DOCUMENTS_MAX ? slurp(optarg) : NULL;
			json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
			free(text);
			if (!json_is_object(doc)) {
				fprintf(stderr, "lifelong verify: %s is not a DID document (a JSON object)\n", optarg);
				json_decref(doc);
				goto out;
			}
			docs[n_docs++] = doc;
		} else if (c == 's') {
			char *text = n_lists < LISTS_MAX ? slurp(optarg) : NULL;
			if (!text)
				goto out;
			char *start = text + strspn(text, " \t\r\n");
			start[strcspn(start, " \t\r\n")] = '\0';
			memmove(text, start, strlen(start) + 1);
			lists[n_lists++] = text;
		} else if (c == 'j') {
			is_json = true;
		} else if (c == 'h') {
			fputs(verify_help, stdout);
			status = 0;
			goto out;
		} else {
			fputs(verify_help, stderr);
			goto out;
		}
	}
	if (optind + 1 != argc) {
		fputs(verify_help, stderr);
		goto out;
	}
	char *text = slurp(argv[optind]);
	if (!text) {
		status = 66;
		goto out;
	}
	/* The JWS itself, or an object that holds it (what the API answers when it issues one). */
	json_t *wrapped = json_loads(text, 0, NULL);
	const char *jws = json_is_object(wrapped) ? json_string_value(json_object_get(wrapped, "jws")) : NULL;
	char *start = text + strspn(text, " \t\r\n");
	start[strcspn(start, " \t\r\n")] = '\0';
	json_t *report = NULL;
	enum ll_err err = cred_verify_with_documents((const json_t *const *)docs, n_docs, (const char *const *)lists,
						     n_lists, jws ? jws : start, clock_now_us(), &report);
	json_decref(wrapped);
	free(text);
	if (err != LL_OK) {
		status = cli_report(err);
		goto out;
	}
	bool is_valid = json_is_true(json_object_get(report, "is_valid"));
	if (is_json) {
		json_dumpf(report, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		size_t i;
		const json_t *check;
		json_array_foreach (json_object_get(report, "checks"), i, check)
			printf("%-9s  %-11s  %s  %s\n", json_string_value(json_object_get(check, "check")),
			       json_string_value(json_object_get(check, "status")),
			       json_string_value(json_object_get(check, "message")),
			       json_string_value(json_object_get(check, "message_en")));
		/* A transcript: each record it holds, and the first of its checks that failed. */
		const json_t *record;
		json_array_foreach (json_object_get(report, "embedded"), i, record) {
			const char *failed = NULL;
			size_t k;
			json_array_foreach (json_object_get(record, "checks"), k, check)
				if (!failed && strcmp(json_string_value(json_object_get(check, "status")), "failed") == 0)
					failed = json_string_value(json_object_get(check, "check"));
			const char *name = json_string_value(json_object_get(json_object_get(record, "credential"), "name"));
			printf("record %zu  %-11s  %s%s%s\n", i + 1,
			       json_is_true(json_object_get(record, "is_valid")) ? "valid" : "not_valid", name ? name : "",
			       failed ? "  failed: " : "", failed ? failed : "");
		}
		printf("%s\n", is_valid ? "有效 VALID" : "无效 NOT VALID");
	}
	json_decref(report);
	status = is_valid ? 0 : 65;
out:
	for (int i = 0; i < n_docs; i++)
		json_decref(docs[i]);
	for (int i = 0; i < n_lists; i++)
		free(lists[i]);
	return status;
}

static const char credentials_help[] =
	"usage: lifelong credentials COMMAND [OPTIONS]\n\n"
	"  rotate-key        a new issuer key signs credentials from now on; older keys still verify\n"
	"  did [--url URL]   print this node's DID document (its keys), for offline verifiers\n\n"
	"  --url URL         the city's public address (default " LRS_HOME_PAGE_DEFAULT ")\n" CLI_COMMON_HELP;

int cmd_credentials(int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS, { "url", required_argument, NULL, 'u' },
					      { "help", no_argument, NULL, 'h' }, { 0 } };
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(credentials_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? 64 : 0;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "rotate-key") != 0 && strcmp(sub, "did") != 0) {
		fputs(credentials_help, stderr);
		return 64;
	}
	struct cli_common common;
	cli_common_init(&common);
	const char *url = LRS_HOME_PAGE_DEFAULT;
	int c;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		if (cli_common_option(&common, c, optarg))
			continue;
		if (c == 'u') {
			url = optarg;
		} else if (c == 'h') {
			fputs(credentials_help, stdout);
			return 0;
		} else {
			fputs(credentials_help, stderr);
			return 64;
		}
	}
	struct ll_store *st = NULL;
	struct ll_keys *keys = NULL;
	struct cred_issuer iss;
	enum ll_err err = cred_issuer_init(url, &iss);
	if (err == LL_OK)
		err = cli_open(&common, &st, &keys);
	if (err == LL_OK)
		err = cred_keys_ensure(st, keys);
	if (err == LL_OK && strcmp(sub, "rotate-key") == 0) {
		char kid[JOSE_THUMBPRINT_MAX];
		const struct audit_actor cli = { .id = "cli", .role = "operator", .name = "lifelong credentials" };
		err = cred_key_rotate(st, keys, &cli, kid);
		if (err == LL_OK)
			printf("%s\n", kid);
	} else if (err == LL_OK) {
		json_t *doc = NULL;
		err = cred_did_document(st, keys, &iss, &doc);
		if (err == LL_OK) {
			json_dumpf(doc, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
		}
		json_decref(doc);
	}
	store_close(st);
	keys_free(keys);
	return err == LL_OK ? 0 : cli_report(err);
}
