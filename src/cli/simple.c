/* The small commands: migrate, keygen, user add, version. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../base/crypto.h"
#include "../ledger/ledger.h"
#include "../points/points.h"
#include "../org/org.h"
#include "../store/store.h"
#include "cli.h"

#ifndef LIFELONG_VERSION
#define LIFELONG_VERSION "dev"
#endif

int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("lifelong %s\n", LIFELONG_VERSION);
	return 0;
}

int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = { { "out", required_argument, NULL, 'o' }, { "region", no_argument, NULL, 'r' },
					      { "help", no_argument, NULL, 'h' }, { 0 } };
	const char *out = NULL;
	bool with_region = false;
	int c;
	while ((c = getopt_long(argc, argv, "o:rh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'r':
			with_region = true;
			break;
		case 'h':
			printf("usage: lifelong keygen --out FILE [--region]\n\nCreates FILE (mode 0600) with new secrets: the key that seals ID and\n"
			       "phone numbers, the look-up and token hash keys, and this node's Ed25519 signing key.\n"
			       "Refuses to overwrite an existing file. Keep it safe: sealed data cannot be read without it.\n\n"
			       "  --region   also a new regional look-up key (a line region=...): the credit banks of a\n"
			       "             federation share one, each copying that line into its own key file, so that\n"
			       "             a peer finds a person by a keyed hash of their ID number\n");
			return 0;
		default:
			return 64;
		}
	}
	if (!out) {
		fprintf(stderr, "lifelong keygen: --out FILE is required\n");
		return 64;
	}
	enum ll_err err = keys_generate_file(out, with_region);
	if (err != LL_OK)
		return cli_report(err);
	printf("wrote %s\n", out);
	return 0;
}

int cmd_migrate(int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS, { "help", no_argument, NULL, 'h' }, { 0 } };
	struct cli_common common;
	cli_common_init(&common);
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			printf("usage: lifelong migrate [--db URL] [--key-file FILE]\n\nApplies every schema migration not yet "
			       "applied and loads the division reference data.\n\n" CLI_COMMON_HELP);
			return 0;
		default:
			if (!cli_common_option(&common, c, optarg))
				return 64;
			break;
		}
	}
	struct ll_keys *keys = NULL;
	struct ll_store *st = NULL;
	int applied = 0, version = 0;
	enum ll_err err = keys_load(common.key_file, &keys);
	if (err == LL_OK)
		err = store_open(common.db, NULL, &st);
	if (err == LL_OK)
		err = store_migrate(st, &applied);
	if (err == LL_OK)
		err = store_schema_version(st, &version);
	if (err == LL_OK) {
		int loaded = 0;
		err = org_load_reference(st, &loaded);
		if (err == LL_OK)
			err = ledger_seed_reference(st);
		if (err == LL_OK)
			err = points_seed_reference(st);
		if (err == LL_OK)
			printf("schema version %d (%d migrations applied, %d divisions loaded)\n", version, applied, loaded);
	}
	store_close(st);
	keys_free(keys);
	return err == LL_OK ? 0 : cli_report(err);
}

/* Reads the first line of a file (the password), without its newline. */
static enum ll_err read_password_file(const char *path, char *out, size_t cap)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f)
		return ll_fail(LL_IO, "password-file", "cannot open password file '%s'", path);
	bool ok = fgets(out, (int)cap, f) != NULL;
	if (f != stdin)
		fclose(f);
	if (!ok)
		return ll_fail(LL_INVALID_VALUE, "password-file", "password file '%s' is empty", path);
	out[strcspn(out, "\r\n")] = '\0';
	return LL_OK;
}

int cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "role", required_argument, NULL, 'r' },     { "login", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'n' },     { "password-file", required_argument, NULL, 'p' },
		{ "institution", required_argument, NULL, 'i' }, { "district", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },           { 0 }
	};
	static const char help[] =
		"usage: lifelong user add --role ROLE --login LOGIN --password-file FILE\n"
		"                         [--institution ID | --district CODE] [--name NAME]\n\n"
		"Creates a staff user. ROLE is one of staff, institution_admin, reviewer, district_admin,\n"
		"city_admin, auditor. staff and institution_admin need --institution; district_admin needs\n"
		"--district (a 12-digit district code). FILE holds the password on its first line ('-' reads stdin).\n\n" CLI_COMMON_HELP;
	struct cli_common common;
	cli_common_init(&common);
	struct user_in in = { 0 };
	const char *role = NULL, *pw_file = NULL;
	if (argc < 2 || strcmp(argv[1], "add") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			fputs(help, stdout);
			return 0;
		}
		fputs(help, stderr);
		return 64;
	}
	argc--;
	argv++;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': role = optarg; break;
		case 'l': in.login = optarg; break;
		case 'n': in.display_name = optarg; break;
		case 'p': pw_file = optarg; break;
		case 'i': in.institution_id = optarg; break;
		case 's': in.district_code = optarg; break;
		case 'h': fputs(help, stdout); return 0;
		default:
			if (!cli_common_option(&common, c, optarg))
				return 64;
			break;
		}
	}
	if (!role || !in.login || !pw_file) {
		fprintf(stderr, "lifelong user add: --role, --login and --password-file are required\n");
		return 64;
	}
	if (!role_parse(role, &in.role) || in.role == ROLE_CITIZEN) {
		fprintf(stderr, "lifelong user add: unknown staff role '%s'\n", role);
		return 64;
	}
	char password[AUTH_PASSWORD_MAX * 4 + 2];
	enum ll_err err = read_password_file(pw_file, password, sizeof(password));
	if (err != LL_OK)
		return cli_report(err);
	in.password = password;
	struct ll_store *st = NULL;
	struct ll_keys *keys = NULL;
	struct pw_gate *gate = pw_gate_new(1, 1);
	struct arena a;
	arena_init(&a, 0);
	struct user u;
	struct audit_actor actor = { .name = "lifelong user add" };
	err = cli_open(&common, &st, &keys);
	if (err == LL_OK)
		err = auth_user_create(st, gate, &in, &actor, &a, &u);
	if (err == LL_OK)
		printf("created %s user '%s' (id %s)\n", role, u.login, u.id);
	sodium_memzero(password, sizeof(password));
	arena_release(&a);
	pw_gate_free(gate);
	store_close(st);
	keys_free(keys);
	return err == LL_OK ? 0 : cli_report(err);
}
