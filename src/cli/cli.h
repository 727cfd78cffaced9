/*
 * The command line: one table of commands (main.c), one file per command. Every command that
 * touches data takes --db (or LIFELONG_DB) and --key-file (or LIFELONG_KEY_FILE).
 */
#ifndef LL_CLI_H
#define LL_CLI_H

#include <stdbool.h>

#include "../base/ll_err.h"

struct ll_store;
struct ll_keys;

#define CLI_DEFAULT_DB "sqlite:var/lifelong.db"
#define CLI_DEFAULT_KEY_FILE "var/lifelong.key"

/* Options every data command shares. */
struct cli_common {
	const char *db;
	const char *key_file;
};

/* Fills defaults from the environment, then the built-in defaults. */
void cli_common_init(struct cli_common *c);
/* Takes a getopt_long result that is one of the shared options (CLI_COMMON_OPTIONS); false if
 * opt is none of them. */
bool cli_common_option(struct cli_common *c, int opt, const char *arg);

/* The shared entries of a command's struct option table. */
#define CLI_OPT_DB 0x1001
#define CLI_OPT_KEY_FILE 0x1002
#define CLI_COMMON_OPTIONS { "db", required_argument, NULL, CLI_OPT_DB }, \
	{ "key-file", required_argument, NULL, CLI_OPT_KEY_FILE }
/* Opens the key file and the database and brings the schema up to date (and loads the reference
 * data). Caller closes both. */
enum ll_err cli_open(const struct cli_common *c, struct ll_store **ret_st, struct ll_keys **ret_keys);
/* The same with a pool of max_connections database connections. */
enum ll_err cli_open_pool(const struct cli_common *c, int max_connections, struct ll_store **ret_st,
			  struct ll_keys **ret_keys);
/* Prints the thread's failure detail to stderr as "lifelong: message (field)" and returns the
 * error's exit code. */
int cli_report(enum ll_err err);

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_ledger(int argc, char **argv);
int cmd_points(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_credentials(int argc, char **argv);
int cmd_version(int argc, char **argv);

#define CLI_COMMON_HELP                                                                     \
	"  --db URL          sqlite:PATH or postgres://... (env LIFELONG_DB; default " CLI_DEFAULT_DB ")\n" \
	"  --key-file FILE   secrets made by 'lifelong keygen' (env LIFELONG_KEY_FILE; default " CLI_DEFAULT_KEY_FILE ")\n"

#endif
