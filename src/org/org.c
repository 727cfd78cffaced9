/* Rules of the organisation tree: code shapes and the reference-data line format. No I/O. */
#include "org.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const institution_types[] = {
	"university", "open_university", "vocational_college", "adult_college", "community_school",
	"elder_university", "elder_school", "learning_point", "training_institution", "enterprise",
	"partner_credit_bank", "credit_bank", "government", NULL
};

bool org_code_is_valid(const char *code)
{
	if (strlen(code) != ORG_CODE_LEN)
		return false;
	for (const char *p = code; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

bool org_parse_division_line(const char *line, struct division *ret)
{
	const char *f[4];
	size_t len[4];
	const char *p = line;
	for (int i = 0; i < 4; i++) {
		f[i] = p;
		len[i] = strcspn(p, ",\r\n");
		p += len[i];
		if (i < 3) {
			if (*p != ',')
				return false;
			p++;
		}
	}
	if (len[0] != ORG_CODE_LEN || len[1] == 0 || len[1] >= sizeof(ret->name) || len[2] != 1 ||
	    (len[3] != 0 && len[3] != ORG_CODE_LEN))
		return false;
	memset(ret, 0, sizeof(*ret));
	memcpy(ret->code, f[0], ORG_CODE_LEN);
	memcpy(ret->name, f[1], len[1]);
	ret->level = f[2][0] - '0';
	memcpy(ret->parent_code, f[3], len[3]);
	if (!org_code_is_valid(ret->code) || ret->level < 1 || ret->level > 4)
		return false;
	if ((ret->level == 1) != (len[3] == 0))
		return false;
	return true;
}
