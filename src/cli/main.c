/*
 * THE command table and the entry point. A command is looked up by name and handed the rest of
 * the arguments; "lifelong help COMMAND" and "lifelong COMMAND --help" say the same thing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/crypto.h"
#include "../base/log.h"
#include "../store/store.h"
#include "../ledger/ledger.h"
#include "../points/points.h"
#include "../org/org.h"
#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "serve", cmd_serve, "run the API and the web portal" },
	{ "migrate", cmd_migrate, "bring the database schema up to date" },
	{ "demo", cmd_demo, "fill the database with a synthetic Shanghai" },
	{ "user", cmd_user, "manage staff users (user add)" },
	{ "import", cmd_import, "import learning outcomes from a file (import outcomes)" },
	{ "ledger", cmd_ledger, "check the credit bank's ledger (ledger verify)" },
	{ "points", cmd_points, "check-ins and points (points follow, points verify)" },
	{ "credentials", cmd_credentials, "the issuer's keys (credentials rotate-key, credentials did)" },
	{ "verify", cmd_verify, "check a credential offline with its issuer's DID document" },
	{ "audit", cmd_audit, "audit the learners of a programme against its plan and rules" },
	{ "keygen", cmd_keygen, "create a key file with new secrets" },
	{ "version", cmd_version, "print the version" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: lifelong COMMAND [OPTIONS]\n\n"
		   "Lifelong runs a city's lifelong-learning system: learning accounts, institutions and the credit bank.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'lifelong COMMAND --help' for a command's options.\n");
}

void cli_common_init(struct cli_common *c)
{
	const char *db = getenv("LIFELONG_DB"), *key = getenv("LIFELONG_KEY_FILE");
	c->db = db && *db ? db : CLI_DEFAULT_DB;
	c->key_file = key && *key ? key : CLI_DEFAULT_KEY_FILE;
}

bool cli_common_option(struct cli_common *c, int opt, const char *arg)
{
	switch (opt) {
	case CLI_OPT_DB:
		c->db = arg;
		return true;
	case CLI_OPT_KEY_FILE:
		c->key_file = arg;
		return true;
	default:
		return false;
	}
}

int cli_report(enum ll_err err)
{
	const struct ll_error *e = ll_error_get(err);
	if (e->field[0])
		fprintf(stderr, "lifelong: %s (%s: %s)\n", e->message, ll_err_code(err), e->field);
	else
		fprintf(stderr, "lifelong: %s (%s)\n", e->message, ll_err_code(err));
	return ll_err_exit_code(err);
}

enum ll_err cli_open(const struct cli_common *c, struct ll_store **ret_st, struct ll_keys **ret_keys)
{
	return cli_open_pool(c, 0, ret_st, ret_keys);
}

enum ll_err cli_open_pool(const struct cli_common *c, int max_connections, struct ll_store **ret_st,
			  struct ll_keys **ret_keys)
{
	struct ll_keys *keys = NULL;
	struct ll_store *st = NULL;
	struct store_options opt = { .max_connections = max_connections };
	enum ll_err err = keys_load(c->key_file, &keys);
	if (err != LL_OK)
		goto out;
	err = store_open(c->db, &opt, &st);
	if (err != LL_OK)
		goto out;
	err = store_migrate(st, NULL);
	if (err != LL_OK)
		goto out;
	err = org_load_reference(st, NULL);
	if (err != LL_OK)
		goto out;
	err = ledger_seed_reference(st);
	if (err == LL_OK)
		err = points_seed_reference(st);
	if (err != LL_OK)
		goto out;
	*ret_st = st;
	*ret_keys = keys;
	st = NULL;
	keys = NULL;
out:
	store_close(st);
	keys_free(keys);
	return err;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 64;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		if (argc > 2 && strcmp(name, "help") == 0) {
			char *sub[] = { argv[2], "--help", NULL };
			for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
				if (strcmp(commands[i].name, argv[2]) == 0)
					return commands[i].run(2, sub);
		}
		usage(stdout);
		return 0;
	}
	if (strcmp(name, "--version") == 0)
		return cmd_version(1, argv + 1);
	if (crypto_init() != LL_OK)
		return cli_report(LL_INTERNAL);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "lifelong: unknown command '%s'\n\n", name);
	usage(stderr);
	return 64;
}
