/* lifelong demo: placeholder until the demo generator lands. */
#include <stdio.h>

#include "cli.h"

int cmd_demo(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "lifelong demo: not built yet\n");
	return 70;
}
