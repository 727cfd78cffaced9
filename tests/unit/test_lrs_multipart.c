/*
 * multipart/mixed for the xAPI statement resource without a server: each way a body or its
 * Content-Type fails to read, refused with its code and field; the leniencies the conformance
 * suite's clients need (a preamble, a quoted boundary, no space after a colon, bare LF lines, no
 * line ending after the close delimiter); xAPI's rules tying parts to the statements' declared
 * attachments (a sub-statement's too), checked on statements lrs_statement_check made, with each
 * part's bytes hashed (SHA-224 to SHA-512) and marked verified or not; binary content kept byte
 * for byte; and the writer's answers read back by the reader.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/crypto.h"
#include "lrs/lrs.h"

/* The conformance suite's two text attachments, their SHA-256 and its boundary. */
#define TEXT1 "here is a simple attachment"
#define SHA1 "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"
#define TEXT2 "here is another simple attachment"
#define SHA2 "7063d0a4cfa93373753ad2f5a6ffcf684559fb1df3c2f0473a14ece7d4edb06a"
#define SHA3 "99cca805e2316c391ed80273033649b0e7ad9096d615b56ba6ab318d00c75d14"
#define B "-------314159265358979323846"
#define TYPE "multipart/mixed; boundary=" B

#define ATT_LENGTH(sha, length, extra)                                                                  \
	"{\"usageType\":\"http://example.com/attachment-usage/test\",\"display\":{\"en-US\":\"A test attachment\"}," \
	"\"contentType\":\"text/plain; charset=ascii\",\"length\":" length ",\"sha2\":\"" sha "\"" extra "}"
#define ATT(sha, extra) ATT_LENGTH(sha, "27", extra)
#define STMT(atts)                                                                                      \
	"{\"actor\":{\"mbox\":\"mailto:li.hua@example.cn\"},"                                              \
	"\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/answered\",\"display\":{\"en-US\":\"answered\"}}," \
	"\"object\":{\"id\":\"http://www.example.com/tincan/activities/multipart\"},\"attachments\":[" atts "]}"
/* The second text's attachment. */
#define ATT2(extra) ATT_LENGTH(SHA2, "33", extra)
/* A statement whose object is a sub-statement with these attachments. */
#define SUB_STMT(atts)                                                                                  \
	"{\"actor\":{\"mbox\":\"mailto:li.hua@example.cn\"},"                                              \
	"\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/answered\"},\"object\":{\"objectType\":\"SubStatement\"," \
	"\"actor\":{\"mbox\":\"mailto:wang.fang@example.cn\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/passed\"}," \
	"\"object\":{\"id\":\"http://www.example.com/tincan/activities/multipart\"},\"attachments\":[" atts "]}}"
#define FILE_URL ",\"fileUrl\":\"https://files.example.cn/a.txt\""

#define JSON_PART(json) "--" B "\r\nContent-Type: application/json\r\n\r\n" json "\r\n"
#define DATA_PART(sha, text) \
	"--" B "\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: " sha \
	"\r\n\r\n" text "\r\n"
#define CLOSE "--" B "--\r\n"

static const struct lrs_stamp STAMP = { .id = "01a20bb3-0585-75f0-8be1-aa12d730ffd8" };

/* One request as the statement handler would take it: parts, the statements of the first part,
 * and the payloads to store (which borrow from both). */
struct request {
	struct lrs_part parts[LRS_PARTS_MAX];
	int n;
	struct lrs_statement statements[4];
	int n_statements;
	struct lrs_payload payloads[LRS_PARTS_MAX];
	int n_payloads;
};

static void request_release(struct request *r)
{
	for (int i = 0; i < r->n_statements; i++)
		lrs_statement_release(&r->statements[i]);
	free(r);
}

/* Reads body, checks the statements of its first part, then applies the multipart rules. *ret
 * holds what got that far; the caller releases it. */
static enum ll_err request_run(const char *content_type, const char *body, size_t len, struct request **ret)
{
	struct request *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	*ret = r;
	ll_error_clear();
	enum ll_err err = lrs_multipart_parse(content_type, body, len, r->parts, LRS_PARTS_MAX, &r->n);
	if (err != LL_OK)
		return err;
	const char *json;
	size_t json_len;
	err = lrs_multipart_statements(r->parts, r->n, &json, &json_len);
	if (err != LL_OK)
		return err;
	json_error_t e;
	json_t *root = json_loadb(json, json_len, 0, &e);
	if (!root)
		fail_msg("the statements' part does not parse: %s", e.text);
	size_t count = json_is_array(root) ? json_array_size(root) : 1;
	assert_true(count <= 4);
	for (size_t i = 0; i < count && err == LL_OK; i++) {
		char prefix[24] = "";
		if (json_is_array(root))
			snprintf(prefix, sizeof(prefix), "[%zu]", i);
		err = lrs_statement_check(json_is_array(root) ? json_array_get(root, i) : root, prefix, &STAMP,
					  &r->statements[i]);
		r->n_statements += err == LL_OK;
	}
	json_decref(root);
	if (err != LL_OK)
		fail_msg("a test statement does not check: %s", ll_error_get(err)->message);
	return lrs_multipart_check(r->parts, r->n, r->statements, r->n_statements, r->payloads, &r->n_payloads);
}

static void assert_bytes(const void *got, size_t got_len, const void *want, size_t want_len)
{
	assert_int_equal(got_len, want_len);
	if (want_len > 0)
		assert_memory_equal(got, want, want_len);
}

/* ---- Reading: each refusal with its code and field ---- */

static const struct refusal {
	const char *why, *content_type, *body;
	enum ll_err err;
	const char *field;
} PARSE_REFUSALS[] = {
	{ "multipart/form-data", "multipart/form-data; boundary=" B, JSON_PART("{}") CLOSE, LL_INVALID_VALUE,
	  "Content-Type" },
	{ "no Content-Type", NULL, JSON_PART("{}") CLOSE, LL_INVALID_VALUE, "Content-Type" },
	{ "multipart/mixed; with no boundary", "multipart/mixed;", JSON_PART("{}") CLOSE, LL_MISSING_FIELD,
	  "boundary" },
	{ "multipart/mixed without parameters", "multipart/mixed", JSON_PART("{}") CLOSE, LL_MISSING_FIELD,
	  "boundary" },
	{ "parameters but no boundary", "multipart/mixed; charset=utf-8", JSON_PART("{}") CLOSE, LL_MISSING_FIELD,
	  "boundary" },
	{ "an empty boundary", "multipart/mixed; boundary=\"\"", JSON_PART("{}") CLOSE, LL_INVALID_VALUE, "boundary" },
	{ "a boundary of 71 characters",
	  "multipart/mixed; boundary=12345678901234567890123456789012345678901234567890123456789012345678901",
	  JSON_PART("{}") CLOSE, LL_INVALID_VALUE, "boundary" },
	{ "a character RFC 2046 leaves out of boundaries", "multipart/mixed; boundary=\"a<b\"", "--a<b--\r\n",
	  LL_INVALID_VALUE, "boundary" },
	{ "a boundary that ends in a space", "multipart/mixed; boundary=\"ab \"", "--ab --\r\n", LL_INVALID_VALUE,
	  "boundary" },
	{ "two boundaries", "multipart/mixed; boundary=a; boundary=b", "--a--\r\n", LL_INVALID_VALUE, "boundary" },
	{ "a quoted boundary without its closing quote", "multipart/mixed; boundary=\"" B, JSON_PART("{}") CLOSE,
	  LL_INVALID_VALUE, "Content-Type" },
	{ "a parameter without a value", "multipart/mixed; boundary", JSON_PART("{}") CLOSE, LL_INVALID_VALUE,
	  "Content-Type" },
	{ "a body without a delimiter line", TYPE, "Content-Type: application/json\r\n\r\n{}\r\n", LL_INVALID_VALUE,
	  "boundary" },
	{ "a delimiter in mid-line only", TYPE, "preamble --" B "\r\n\r\n{}\r\n", LL_INVALID_VALUE, "boundary" },
	{ "no close delimiter", TYPE, JSON_PART("{}"), LL_INVALID_VALUE, "boundary" },
	{ "a last delimiter that does not close", TYPE, JSON_PART("{}") "--" B, LL_INVALID_VALUE, "boundary" },
	{ "a close delimiter with no part before it", TYPE, CLOSE, LL_INVALID_VALUE, "parts" },
	{ "a header line without a colon", TYPE,
	  JSON_PART("{}") "--" B "\r\nContent-Transfer-Encoding: binary\r\n" SHA1 "\r\n\r\n" TEXT1 "\r\n" CLOSE,
	  LL_INVALID_VALUE, "parts[1]" },
	{ "a header line without a name", TYPE, "--" B "\r\n: application/json\r\n\r\n{}\r\n" CLOSE, LL_INVALID_VALUE,
	  "parts[0]" },
	{ "a folded header line", TYPE, "--" B "\r\nContent-Type:\r\n application/json\r\n\r\n{}\r\n" CLOSE,
	  LL_INVALID_VALUE, "parts[0]" },
	{ "content without the blank line after the headers", TYPE, "--" B "\r\n{}\r\n" CLOSE, LL_INVALID_VALUE,
	  "parts[0]" },
	{ "a header given twice", TYPE,
	  JSON_PART("{}") "--" B "\r\nX-Experience-API-Hash: " SHA1 "\r\nX-Experience-API-Hash: " SHA2 "\r\n\r\n"
	  "x\r\n" CLOSE, LL_INVALID_VALUE, "parts[1].X-Experience-API-Hash" },
	{ "a hash longer than SHA-512's", TYPE,
	  JSON_PART("{}") "--" B "\r\nX-Experience-API-Hash: " SHA1 SHA1 SHA1 "\r\n\r\nx\r\n" CLOSE, LL_TOO_LONG,
	  "parts[1].X-Experience-API-Hash" },
};

static void test_each_parse_refusal_names_its_field(void **state)
{
	for (size_t i = 0; i < sizeof(PARSE_REFUSALS) / sizeof(PARSE_REFUSALS[0]); i++) {
		const struct refusal *r = &PARSE_REFUSALS[i];
		struct lrs_part parts[8];
		int n = -1;
		ll_error_clear();
		enum ll_err err = lrs_multipart_parse(r->content_type, r->body, strlen(r->body), parts, 8, &n);
		if (err != r->err || strcmp(ll_error_get(err)->field, r->field) != 0)
			fail_msg("%s: got %s at '%s' (%s), want %s at '%s'", r->why, ll_err_code(err),
				 ll_error_get(err)->field, ll_error_get(err)->message, ll_err_code(r->err), r->field);
		assert_int_equal(n, -1);
	}
}

static void test_too_many_parts(void **state)
{
	static const char body[] = JSON_PART("{}") DATA_PART(SHA1, TEXT1) DATA_PART(SHA2, TEXT2) CLOSE;
	struct lrs_part parts[3];
	int n = -1;
	ll_error_clear();
	assert_int_equal(lrs_multipart_parse(TYPE, body, strlen(body), parts, 2, &n), LL_OUT_OF_RANGE);
	assert_string_equal(ll_error_get(LL_OUT_OF_RANGE)->field, "parts");
	assert_int_equal(n, -1);
	assert_int_equal(lrs_multipart_parse(TYPE, body, strlen(body), parts, 3, &n), LL_OK);
	assert_int_equal(n, 3);
}

/* ---- Reading: what the suite's clients send ---- */

static void test_parts_and_their_headers(void **state)
{
	static const char body[] = "a preamble, to be ignored\r\n"
				   "--" B "\r\ncontent-type: application/json; charset=utf-8\r\n"
				   "Content-Disposition: inline\r\n\r\n{\"a\":1}\r\n"
				   "--" B "  \r\nCONTENT-TRANSFER-ENCODING:  binary \r\nContent-Type:text/plain\r\n"
				   "x-experience-api-hash: 495395E777CD98DA653DF9615D09C0FD6BB2F8D4788394CD53C56A3BFDCD848A\r\n"
				   "\r\n" TEXT1 "\r\n"
				   "--" B "--\r\nan epilogue, to be ignored\r\n";
	struct lrs_part parts[4];
	int n = 0;
	assert_int_equal(lrs_multipart_parse(TYPE, body, strlen(body), parts, 4, &n), LL_OK);
	assert_int_equal(n, 2);
	assert_true(parts[0].has_content_type);
	assert_string_equal(parts[0].content_type, "application/json; charset=utf-8");
	assert_false(parts[0].has_hash);
	assert_false(parts[0].has_transfer_encoding);
	assert_bytes(parts[0].data, parts[0].len, "{\"a\":1}", 7);
	assert_string_equal(parts[1].content_type, "text/plain");
	assert_string_equal(parts[1].transfer_encoding, "binary");
	assert_string_equal(parts[1].hash, SHA1);
	assert_bytes(parts[1].data, parts[1].len, TEXT1, strlen(TEXT1));
}

/* The same request in each form the suite's clients write it; each must read as the same two
 * parts. */
static const struct form {
	const char *why, *content_type, *body;
} FORMS[] = {
	{ "CRLF lines", TYPE, JSON_PART("{}") DATA_PART(SHA1, TEXT1) CLOSE },
	{ "a leading CRLF and no CRLF after the close delimiter (the signed statement's body)", TYPE,
	  "\r\n--" B "\r\nContent-Type:application/json\r\n\r\n{}\r\n--" B "\r\nContent-Type:text/plain\r\n"
	  "Content-Transfer-Encoding:binary\r\nX-Experience-API-Hash:" SHA1 "\r\n\r\n" TEXT1 "\r\n--" B "--" },
	{ "LF-only lines", TYPE,
	  "--" B "\nContent-Type: application/json\n\n{}\n--" B "\nContent-Type: text/plain\n"
	  "Content-Transfer-Encoding: binary\nX-Experience-API-Hash: " SHA1 "\n\n" TEXT1 "\n--" B "--\n" },
	{ "a quoted boundary", "multipart/mixed; boundary=\"" B "\"", JSON_PART("{}") DATA_PART(SHA1, TEXT1) CLOSE },
	{ "a quoted boundary with every character RFC 2046 allows",
	  "Multipart/Mixed ;Boundary = \"'()+_,-./:=? Az09\" ; charset=utf-8",
	  "--'()+_,-./:=? Az09\r\nContent-Type: application/json\r\n\r\n{}\r\n--'()+_,-./:=? Az09\r\n"
	  "Content-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: " SHA1 "\r\n\r\n"
	  TEXT1 "\r\n--'()+_,-./:=? Az09--\r\n" },
	{ "a quoted boundary with an escaped character", "multipart/mixed; boundary=\"a\\=b\"",
	  "--a=b\r\nContent-Type: application/json\r\n\r\n{}\r\n--a=b\r\nContent-Type: text/plain\r\n"
	  "Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: " SHA1 "\r\n\r\n" TEXT1 "\r\n--a=b--\r\n" },
	{ "an unquoted boundary followed by another parameter", "multipart/mixed;boundary=" B ";charset=utf-8",
	  JSON_PART("{}") DATA_PART(SHA1, TEXT1) CLOSE },
};

static void test_each_form_reads_the_same(void **state)
{
	for (size_t i = 0; i < sizeof(FORMS) / sizeof(FORMS[0]); i++) {
		const struct form *f = &FORMS[i];
		struct lrs_part parts[4];
		int n = 0;
		enum ll_err err = lrs_multipart_parse(f->content_type, f->body, strlen(f->body), parts, 4, &n);
		if (err != LL_OK)
			fail_msg("%s: %s at '%s' (%s)", f->why, ll_err_code(err), ll_error_get(err)->field,
				 ll_error_get(err)->message);
		if (n != 2 || parts[0].len != 2 || memcmp(parts[0].data, "{}", 2) != 0 ||
		    strcmp(parts[0].content_type, "application/json") != 0 || parts[1].len != strlen(TEXT1) ||
		    memcmp(parts[1].data, TEXT1, parts[1].len) != 0 || strcmp(parts[1].hash, SHA1) != 0 ||
		    strcmp(parts[1].transfer_encoding, "binary") != 0)
			fail_msg("%s: read as %d parts, the last of %zu bytes", f->why, n, parts[n - 1].len);
	}
}

static void test_boundary_lookalikes_stay_content(void **state)
{
	static const char content[] = "--" B "X\r\n--" B "-\r\n  --" B "\r\n";
	static const char body[] = "--" B "\r\nContent-Type: text/plain\r\n\r\n" "--" B "X\r\n--" B "-\r\n  --" B
				   "\r\n\r\n" CLOSE;
	struct lrs_part parts[2];
	int n = 0;
	assert_int_equal(lrs_multipart_parse(TYPE, body, strlen(body), parts, 2, &n), LL_OK);
	assert_int_equal(n, 1);
	assert_bytes(parts[0].data, parts[0].len, content, strlen(content));
}

static void test_binary_content_survives_exactly(void **state)
{
	/* NULs, lone CRs and LFs, CRLFs, a blank line, and a CR right before the part's own CRLF. */
	static const char content[] = "\0\r\n\r\n\0--\r\x01\xff\n\n\r\r\n\0\r";
	static const char head[] = JSON_PART("{}") "--" B "\r\nContent-Transfer-Encoding: binary\r\n"
				   "X-Experience-API-Hash: " SHA1 "\r\n\r\n";
	static const char tail[] = "\r\n" CLOSE;
	char body[512];
	size_t len = 0;
	memcpy(body + len, head, sizeof(head) - 1);
	len += sizeof(head) - 1;
	memcpy(body + len, content, sizeof(content) - 1);
	len += sizeof(content) - 1;
	memcpy(body + len, tail, sizeof(tail) - 1);
	len += sizeof(tail) - 1;
	struct lrs_part parts[2];
	int n = 0;
	assert_int_equal(lrs_multipart_parse(TYPE, body, len, parts, 2, &n), LL_OK);
	assert_int_equal(n, 2);
	assert_bytes(parts[1].data, parts[1].len, content, sizeof(content) - 1);
	assert_ptr_equal(parts[1].data, body + sizeof(head) - 1); /* pointed at, not copied */
}

static void test_empty_parts(void **state)
{
	/* A part with headers and empty content, and one with nothing at all. */
	static const char body[] = "--" B "\r\nContent-Type: application/json\r\n\r\n\r\n--" B "\r\n\r\n--" B "--";
	struct lrs_part parts[3];
	int n = 0;
	assert_int_equal(lrs_multipart_parse(TYPE, body, strlen(body), parts, 3, &n), LL_OK);
	assert_int_equal(n, 2);
	assert_int_equal(parts[0].len, 0);
	assert_string_equal(parts[0].content_type, "application/json");
	assert_int_equal(parts[1].len, 0);
	assert_false(parts[1].has_content_type);
}

/* ---- xAPI's rules over the parts ---- */

static void test_a_request_with_attachments_gives_its_payloads(void **state)
{
	static const char body[] = JSON_PART(STMT(ATT(SHA1, "") "," ATT2(""))) DATA_PART(SHA2, TEXT2)
		DATA_PART(SHA1, TEXT1) CLOSE;
	struct request *r;
	assert_int_equal(request_run(TYPE, body, strlen(body), &r), LL_OK);
	assert_int_equal(r->n_payloads, 2);
	assert_string_equal(r->payloads[0].sha2, SHA2);
	assert_string_equal(r->payloads[0].content_type, "text/plain; charset=ascii");
	assert_bytes(r->payloads[0].data, r->payloads[0].len, TEXT2, strlen(TEXT2));
	assert_string_equal(r->payloads[1].sha2, SHA1);
	assert_bytes(r->payloads[1].data, r->payloads[1].len, TEXT1, strlen(TEXT1));
	request_release(r);
}

static void test_one_part_serves_every_attachment_with_its_hash(void **state)
{
	/* A batch whose two statements declare the same data (in different case), sent once; and
	 * the same part sent twice, stored once. */
	static const char body[] = JSON_PART("[" STMT(ATT(SHA1, "")) "," STMT(ATT("495395E777CD98DA653DF9615D09C0FD6BB2F8D4788394CD53C56A3BFDCD848A", "")) "]")
		DATA_PART("495395E777CD98DA653DF9615D09C0FD6BB2F8D4788394CD53C56A3BFDCD848A", TEXT1)
		DATA_PART(SHA1, TEXT1) CLOSE;
	struct request *r;
	assert_int_equal(request_run(TYPE, body, strlen(body), &r), LL_OK);
	assert_int_equal(r->n_statements, 2);
	assert_int_equal(r->n_payloads, 1);
	assert_string_equal(r->payloads[0].sha2, SHA1); /* lowercase */
	request_release(r);
}

static void test_each_size_of_sha2_names_its_bytes(void **state)
{
	/* TEXT1 under SHA-224, SHA-384 and SHA-512, in upper case too. */
	static const char *const hashes[] = {
		"c2cbbebbd121cef70be1ee90b88351274d98dc3df4b892a2d3a67292",
		"653bf79aebb9254ba2e947e296e3d6db2f8b60d52aba385ce94bd43000d76bc6f3cc42bad8aeaaea0f3c72b4e8c98701",
		"F5AE792CE55BDF336801C76C7A5DFBF3216153CAA9958FC5E1808A6EAAFE0C15D136CBDA940E315F1257014AAAEFFD61"
		"F953B8D0BFCA666674752A97EA7B120C",
	};
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		char json[1024], body[2048];
		snprintf(json, sizeof(json), STMT(ATT("%s", "")), hashes[i]);
		snprintf(body, sizeof(body), JSON_PART("%s") DATA_PART("%s", TEXT1) CLOSE, json, hashes[i]);
		struct request *r;
		enum ll_err err = request_run(TYPE, body, strlen(body), &r);
		if (err != LL_OK)
			fail_msg("%s: %s at %s", hashes[i], ll_error_get(err)->message, ll_error_get(err)->field);
		assert_int_equal(r->n_payloads, 1);
		assert_true(r->payloads[0].is_verified);
		request_release(r);
	}
}

static void test_bytes_that_are_not_their_hash_are_taken_unverified(void **state)
{
	/* The suite sends re-encoded bytes under the original hash and length: taken, marked. */
	static const char body[] = JSON_PART(STMT(ATT(SHA1, "") "," ATT2(""))) DATA_PART(SHA1, "other bytes, other length")
		DATA_PART(SHA2, TEXT2) CLOSE;
	struct request *r;
	assert_int_equal(request_run(TYPE, body, strlen(body), &r), LL_OK);
	assert_int_equal(r->n_payloads, 2);
	assert_false(r->payloads[0].is_verified);
	assert_true(r->payloads[1].is_verified);
	request_release(r);
	/* Two parts under one hash, the other bytes first: the bytes that are the hash are kept. */
	static const char both[] = JSON_PART(STMT(ATT(SHA1, ""))) DATA_PART(SHA1, "other bytes") DATA_PART(SHA1, TEXT1)
		DATA_PART(SHA1, "more bytes") CLOSE;
	assert_int_equal(request_run(TYPE, both, strlen(both), &r), LL_OK);
	assert_int_equal(r->n_payloads, 1);
	assert_true(r->payloads[0].is_verified);
	assert_bytes(r->payloads[0].data, r->payloads[0].len, TEXT1, strlen(TEXT1));
	request_release(r);
	/* The same length as the bytes hashed, one byte other. */
	static const char same_length[] = JSON_PART(STMT(ATT(SHA1, ""))) DATA_PART(SHA1, "here is a simple attachmenT") CLOSE;
	assert_int_equal(request_run(TYPE, same_length, strlen(same_length), &r), LL_OK);
	assert_false(r->payloads[0].is_verified);
	request_release(r);
}

static void test_a_sub_statements_attachment_takes_its_part(void **state)
{
	static const char body[] = JSON_PART(SUB_STMT(ATT(SHA1, ""))) DATA_PART(SHA1, TEXT1) CLOSE;
	struct request *r;
	assert_int_equal(request_run(TYPE, body, strlen(body), &r), LL_OK);
	assert_int_equal(r->statements[0].n_attachments, 1);
	assert_true(r->statements[0].attachments[0].is_sub);
	assert_int_equal(r->n_payloads, 1);
	assert_bytes(r->payloads[0].data, r->payloads[0].len, TEXT1, strlen(TEXT1));
	assert_true(r->payloads[0].is_verified);
	request_release(r);
}

static void test_file_url_attachments_need_no_part(void **state)
{
	static const char only_links[] = JSON_PART(STMT(ATT(SHA1, FILE_URL))) CLOSE;
	static const char link_and_data[] = JSON_PART(STMT(ATT(SHA1, FILE_URL))) DATA_PART(SHA1, TEXT1) CLOSE;
	static const char no_attachments[] = JSON_PART(STMT("")) CLOSE;
	struct request *r;
	assert_int_equal(request_run(TYPE, only_links, strlen(only_links), &r), LL_OK);
	assert_int_equal(r->n_payloads, 0);
	request_release(r);
	assert_int_equal(request_run(TYPE, link_and_data, strlen(link_and_data), &r), LL_OK);
	assert_int_equal(r->n_payloads, 1);
	request_release(r);
	assert_int_equal(request_run(TYPE, no_attachments, strlen(no_attachments), &r), LL_OK);
	assert_int_equal(r->n_payloads, 0);
	request_release(r);
}

static const struct refusal CHECK_REFUSALS[] = {
	{ "a first part that is text/plain", TYPE,
	  "--" B "\r\nContent-Type: text/plain\r\n\r\n" STMT("") "\r\n" CLOSE, LL_INVALID_VALUE,
	  "parts[0].Content-Type" },
	{ "a first part without a Content-Type", TYPE, "--" B "\r\n\r\n" STMT("") "\r\n" CLOSE, LL_MISSING_FIELD,
	  "parts[0].Content-Type" },
	{ "a first part that is JSON by prefix only", TYPE,
	  "--" B "\r\nContent-Type: application/jsonx\r\n\r\n" STMT("") "\r\n" CLOSE, LL_INVALID_VALUE,
	  "parts[0].Content-Type" },
	{ "statements in a second application/json part", TYPE,
	  JSON_PART(STMT(ATT(SHA1, ""))) "--" B "\r\nContent-Type: application/json\r\n\r\n" STMT("") "\r\n"
	  DATA_PART(SHA1, TEXT1) CLOSE, LL_INVALID_VALUE, "parts[1].Content-Type" },
	{ "a part without the hash header", TYPE,
	  JSON_PART(STMT(ATT(SHA1, ""))) "--" B "\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
	  "\r\n" TEXT1 "\r\n" CLOSE, LL_MISSING_FIELD, "parts[1].X-Experience-API-Hash" },
	{ "a hash that is not hex", TYPE,
	  JSON_PART(STMT(ATT(SHA1, ""))) DATA_PART("495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848g",
						  TEXT1) CLOSE, LL_INVALID_VALUE, "parts[1].X-Experience-API-Hash" },
	{ "a hash of no SHA-2's length", TYPE, JSON_PART(STMT(ATT(SHA1, ""))) DATA_PART("495395e777", TEXT1) CLOSE,
	  LL_INVALID_VALUE, "parts[1].X-Experience-API-Hash" },
	{ "a part without Content-Transfer-Encoding", TYPE,
	  JSON_PART(STMT(ATT(SHA1, ""))) "--" B "\r\nContent-Type: text/plain\r\nX-Experience-API-Hash: " SHA1
	  "\r\n\r\n" TEXT1 "\r\n" CLOSE, LL_MISSING_FIELD, "parts[1].Content-Transfer-Encoding" },
	{ "a part sent as base64", TYPE,
	  JSON_PART(STMT(ATT(SHA1, ""))) "--" B "\r\nContent-Transfer-Encoding: base64\r\nX-Experience-API-Hash: " SHA1
	  "\r\n\r\naGVyZQ==\r\n" CLOSE, LL_INVALID_VALUE, "parts[1].Content-Transfer-Encoding" },
	{ "a declared attachment without a part", TYPE,
	  JSON_PART(STMT(ATT(SHA1, "") "," ATT2(""))) DATA_PART(SHA1, TEXT1) CLOSE, LL_MISSING_FIELD,
	  "attachments[1].sha2" },
	{ "a batch's declared attachment without a part", TYPE,
	  JSON_PART("[" STMT(ATT(SHA1, "")) ",\n " STMT(ATT(SHA1, FILE_URL) "," ATT2("")) "]")
	  DATA_PART(SHA1, TEXT1) CLOSE, LL_MISSING_FIELD, "[1].attachments[1].sha2" },
	{ "a batch's declared attachment without a part, after white space", TYPE,
	  JSON_PART("\r\n [" STMT(ATT(SHA1, "")) "]") CLOSE, LL_MISSING_FIELD, "[0].attachments[0].sha2" },
	{ "a sub-statement's attachment without a part", TYPE,
	  JSON_PART(SUB_STMT(ATT(SHA1, "") "," ATT2(""))) DATA_PART(SHA1, TEXT1) CLOSE, LL_MISSING_FIELD,
	  "object.attachments[1].sha2" },
	{ "an unmatched part (the suite's no_match_sha2)", TYPE,
	  JSON_PART(STMT(ATT(SHA1, ""))) DATA_PART(SHA1, TEXT1) DATA_PART(SHA3, TEXT2) CLOSE, LL_INVALID_VALUE,
	  "parts[2].X-Experience-API-Hash" },
};

static void test_each_rule_refuses_with_its_field(void **state)
{
	for (size_t i = 0; i < sizeof(CHECK_REFUSALS) / sizeof(CHECK_REFUSALS[0]); i++) {
		const struct refusal *c = &CHECK_REFUSALS[i];
		struct request *r;
		enum ll_err err = request_run(c->content_type, c->body, strlen(c->body), &r);
		if (err != c->err || strcmp(ll_error_get(err)->field, c->field) != 0)
			fail_msg("%s: got %s at '%s' (%s), want %s at '%s'", c->why, ll_err_code(err),
				 ll_error_get(err)->field, ll_error_get(err)->message, ll_err_code(c->err), c->field);
		request_release(r);
	}
}

static void test_the_check_needs_a_part(void **state)
{
	struct lrs_payload payloads[1];
	int n_payloads = -1;
	ll_error_clear();
	assert_int_equal(lrs_multipart_check(NULL, 0, NULL, 0, payloads, &n_payloads), LL_MISSING_FIELD);
	assert_string_equal(ll_error_get(LL_MISSING_FIELD)->field, "parts[0]");
	assert_int_equal(n_payloads, -1);
}

/* The suite's too_many body (LF lines): its second attachment has a bare hash line. */
static void test_the_suites_too_many_body(void **state)
{
	static const char body[] =
		"--" B "\nContent-Type: application/json\n\n" STMT(ATT(SHA1, "") "," ATT2("")) "\n"
		"--" B "\nContent-Disposition: attachment; filename=\"text_data.txt\"\nContent-Type: text/plain\n"
		"Content-Transfer-Encoding: binary\nX-Experience-API-Hash: " SHA1 "\n\n" TEXT1 "\n"
		"--" B "\nContent-Disposition: attachment; filename=\"text_data.txt\"\nContent-Type: text/plain\n"
		"Content-Transfer-Encoding: binary\n" SHA2 "\n\n" TEXT2 "\n"
		"--" B "\nContent-Disposition: attachment; filename=\"text_data.txt\"\nContent-Type: text/plain\n"
		"Content-Transfer-Encoding: binary\nX-Experience-API-Hash: " SHA3 "\n\nhere is a third simple attachment\n"
		"--" B "--\n";
	struct request *r;
	assert_int_equal(request_run(TYPE, body, strlen(body), &r), LL_INVALID_VALUE);
	assert_string_equal(ll_error_get(LL_INVALID_VALUE)->field, "parts[2]");
	request_release(r);
}

/* ---- Writing ---- */

static const char *boundary_of(const char *content_type)
{
	static const char prefix[] = "multipart/mixed; boundary=";
	assert_int_equal(strncmp(content_type, prefix, sizeof(prefix) - 1), 0);
	return content_type + sizeof(prefix) - 1;
}

static void test_written_answers_read_back(void **state)
{
	static const char json[] = "{\"statements\":[],\"more\":\"\"}";
	static const char binary[] = "\0\r\n--\r\n\0\xff\r";
	const struct lrs_payload payloads[] = {
		{ .sha2 = SHA1, .content_type = "text/plain", .data = TEXT1, .len = strlen(TEXT1) },
		{ .sha2 = SHA2, .content_type = "application/octet-stream", .data = binary, .len = sizeof(binary) - 1 },
		{ .sha2 = SHA3, .content_type = "image/png", .data = NULL, .len = 0 },
	};
	char content_type[LRS_MULTIPART_TYPE_MAX];
	char *body = NULL;
	size_t len = 0;
	assert_int_equal(lrs_multipart_write(json, strlen(json), payloads, 3, content_type, &body, &len), LL_OK);
	const char *b = boundary_of(content_type);
	assert_true(strlen(b) >= 32);
	for (const char *p = b; *p; p++)
		assert_true(isalnum((unsigned char)*p));
	/* The boundary is nowhere but in delimiter lines. */
	char delimiter[LRS_MULTIPART_TYPE_MAX];
	snprintf(delimiter, sizeof(delimiter), "\r\n--%s", b);
	assert_int_equal(memcmp(body, delimiter + 2, strlen(delimiter) - 2), 0);
	int count = 0;
	for (const char *p = body; (p = memmem(p, len - (size_t)(p - body), b, strlen(b))) != NULL; p++)
		count++;
	assert_int_equal(count, 5);
	/* The text appears raw, and the body ends with the close delimiter line. */
	assert_non_null(memmem(body, len, "\r\n\r\n" TEXT1 "\r\n--", strlen(TEXT1) + 8));
	char close[LRS_MULTIPART_TYPE_MAX];
	snprintf(close, sizeof(close), "\r\n--%s--\r\n", b);
	assert_int_equal(memcmp(body + len - strlen(close), close, strlen(close)), 0);

	struct lrs_part parts[8];
	int n = 0;
	assert_int_equal(lrs_multipart_parse(content_type, body, len, parts, 8, &n), LL_OK);
	assert_int_equal(n, 4);
	assert_string_equal(parts[0].content_type, "application/json");
	assert_bytes(parts[0].data, parts[0].len, json, strlen(json));
	for (int i = 0; i < 3; i++) {
		assert_string_equal(parts[i + 1].content_type, payloads[i].content_type);
		assert_string_equal(parts[i + 1].transfer_encoding, "binary");
		assert_string_equal(parts[i + 1].hash, payloads[i].sha2);
		assert_bytes(parts[i + 1].data, parts[i + 1].len, payloads[i].data, payloads[i].len);
	}
	free(body);
}

static void test_an_answer_without_attachments_is_still_multipart(void **state)
{
	char content_type[LRS_MULTIPART_TYPE_MAX], other[LRS_MULTIPART_TYPE_MAX];
	char *body = NULL, *body2 = NULL;
	size_t len = 0, len2 = 0;
	assert_int_equal(lrs_multipart_write("{}", 2, NULL, 0, content_type, &body, &len), LL_OK);
	struct lrs_part parts[2];
	int n = 0;
	assert_int_equal(lrs_multipart_parse(content_type, body, len, parts, 2, &n), LL_OK);
	assert_int_equal(n, 1);
	assert_bytes(parts[0].data, parts[0].len, "{}", 2);
	/* A new boundary each time. */
	assert_int_equal(lrs_multipart_write("{}", 2, NULL, 0, other, &body2, &len2), LL_OK);
	assert_string_not_equal(content_type, other);
	free(body);
	free(body2);
}

static void test_the_writer_keeps_headers_whole(void **state)
{
	/* A content type that could break the header block is written as octet-stream; a sha2 that
	 * is not hex is our own mistake. */
	const struct lrs_payload unsafe = { .sha2 = SHA1, .content_type = "text/plain\r\nX-Evil: 1", .data = "x",
					    .len = 1 };
	char content_type[LRS_MULTIPART_TYPE_MAX];
	char *body = NULL;
	size_t len = 0;
	assert_int_equal(lrs_multipart_write("{}", 2, &unsafe, 1, content_type, &body, &len), LL_OK);
	assert_null(memmem(body, len, "X-Evil", 6));
	struct lrs_part parts[2];
	int n = 0;
	assert_int_equal(lrs_multipart_parse(content_type, body, len, parts, 2, &n), LL_OK);
	assert_string_equal(parts[1].content_type, "application/octet-stream");
	free(body);

	const struct lrs_payload bad = { .sha2 = "not\r\nhex", .content_type = "text/plain", .data = "x", .len = 1 };
	body = NULL;
	assert_int_equal(lrs_multipart_write("{}", 2, &bad, 1, content_type, &body, &len), LL_INTERNAL);
	assert_null(body);
}

static int setup(void **state)
{
	return crypto_init() == LL_OK ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_parse_refusal_names_its_field),
		cmocka_unit_test(test_too_many_parts),
		cmocka_unit_test(test_parts_and_their_headers),
		cmocka_unit_test(test_each_form_reads_the_same),
		cmocka_unit_test(test_boundary_lookalikes_stay_content),
		cmocka_unit_test(test_binary_content_survives_exactly),
		cmocka_unit_test(test_empty_parts),
		cmocka_unit_test(test_a_request_with_attachments_gives_its_payloads),
		cmocka_unit_test(test_one_part_serves_every_attachment_with_its_hash),
		cmocka_unit_test(test_each_size_of_sha2_names_its_bytes),
		cmocka_unit_test(test_bytes_that_are_not_their_hash_are_taken_unverified),
		cmocka_unit_test(test_a_sub_statements_attachment_takes_its_part),
		cmocka_unit_test(test_file_url_attachments_need_no_part),
		cmocka_unit_test(test_each_rule_refuses_with_its_field),
		cmocka_unit_test(test_the_check_needs_a_part),
		cmocka_unit_test(test_the_suites_too_many_body),
		cmocka_unit_test(test_written_answers_read_back),
		cmocka_unit_test(test_an_answer_without_attachments_is_still_multipart),
		cmocka_unit_test(test_the_writer_keeps_headers_whole),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
