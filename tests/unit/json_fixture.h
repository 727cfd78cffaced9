/*
 * What the unit tests that write JSON inline share: parse, which fails the test (naming the text)
 * when the JSON does not parse. Include it after <cmocka.h> and <jansson.h>.
 */
#ifndef LL_TEST_JSON_FIXTURE_H
#define LL_TEST_JSON_FIXTURE_H

static inline json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);
	if (!v)
		fail_msg("test JSON does not parse: %s (%s)", e.text, text);
	return v;
}

#endif
