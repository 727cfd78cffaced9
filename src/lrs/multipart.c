/*
 * multipart/mixed (RFC 2046) as the xAPI statement resource uses it: the reader of a PUT or POST
 * whose first part holds the statements and whose later parts hold attachments' raw data, the
 * rules of xAPI 1.0.3 that tie each part to an attachment the statements declare (by its SHA-2
 * alone), and the writer of a GET ?attachments=true answer. Lenient where the conformance suite's
 * clients are (bare LF lines, no space after a colon, a preamble, no line ending after the close
 * delimiter), strict where xAPI is. It never copies a part's content and does no I/O. A part's
 * bytes are hashed but not refused when they are not what their hash says (the conformance
 * suite's clients send an image re-encoded as UTF-8 under the original hash and length): such
 * data is marked unverified, and the store never lets it stand in for verified data.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "../base/buf.h"
#include "../base/crypto.h"
#include "lrs.h"

/* RFC 2046's longest boundary, and the most header lines one part may have. */
#define BOUNDARY_MAX 70
#define PART_HEADER_LINES_MAX 32
/* The writer's boundary: random bytes written as hex, so letters and digits only (the
 * conformance suite's parser puts it in a regular expression unescaped). */
#define WRITE_BOUNDARY_BYTES 24
#define WRITE_BOUNDARY_TRIES 8

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* ---- The Content-Type header: multipart/mixed and its boundary ---- */

/* bchars of RFC 2046 besides letters and digits; a space may not end a boundary. */
static bool is_bchar(unsigned char ch)
{
	return isalnum(ch) || (ch != '\0' && strchr("'()+_,-./:=? ", ch));
}

/* The boundary parameter of content_type into out (unquoted, unescaped). */
static enum ll_err boundary_of(const char *content_type, char out[BOUNDARY_MAX + 1])
{
	static const char mixed[] = "multipart/mixed";
	const char *p = content_type ? content_type : "";
	while (is_blank(*p))
		p++;
	size_t type_len = strcspn(p, "; \t");
	if (type_len != sizeof(mixed) - 1 || strncasecmp(p, mixed, type_len) != 0)
		return ll_fail(LL_INVALID_VALUE, "Content-Type", "a body with attachments is multipart/mixed");
	p += type_len;
	bool has_boundary = false;
	for (;;) {
		while (is_blank(*p))
			p++;
		if (*p == '\0')
			break;
		if (*p++ != ';')
			return ll_fail(LL_INVALID_VALUE, "Content-Type", "parameters are separated by semicolons");
		while (is_blank(*p))
			p++;
		if (*p == '\0')
			break;
		size_t name_len = strcspn(p, "=; \t");
		const char *name = p;
		p += name_len;
		while (is_blank(*p))
			p++;
		if (name_len == 0 || *p++ != '=')
			return ll_fail(LL_INVALID_VALUE, "Content-Type", "a parameter is name=value");
		while (is_blank(*p))
			p++;
		bool is_boundary = name_len == 8 && strncasecmp(name, "boundary", 8) == 0;
		if (is_boundary && has_boundary)
			return ll_fail(LL_INVALID_VALUE, "boundary", "the boundary parameter is given twice");
		size_t len = 0;
		bool is_too_long = false;
		if (*p == '"') {
			/* A quoted-string: a backslash takes the next character as it is. */
			for (p++; *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				if (*p == '\0')
					return ll_fail(LL_INVALID_VALUE, "Content-Type", "a quoted parameter has no closing quote");
				if (is_boundary && len < BOUNDARY_MAX)
					out[len++] = *p;
				else if (is_boundary)
					is_too_long = true;
			}
			p++;
		} else {
			for (; *p != '\0' && *p != ';' && !is_blank(*p); p++) {
				if (is_boundary && len < BOUNDARY_MAX)
					out[len++] = *p;
				else if (is_boundary)
					is_too_long = true;
			}
		}
		if (!is_boundary)
			continue;
		out[len] = '\0';
		has_boundary = true;
		bool is_valid = len > 0 && !is_too_long && out[len - 1] != ' ';
		for (size_t i = 0; i < len && is_valid; i++)
			is_valid = is_bchar((unsigned char)out[i]);
		if (!is_valid)
			return ll_fail(LL_INVALID_VALUE, "boundary",
				       "a boundary is 1 to 70 letters, digits and '()+_,-./:=? (not ending in a space)");
	}
	if (!has_boundary)
		return ll_fail(LL_MISSING_FIELD, "boundary", "multipart/mixed needs a boundary parameter");
	return LL_OK;
}

/* ---- Delimiter lines ---- */

struct delimiter {
	size_t next;        /* where the line after it starts */
	bool is_close;      /* "--boundary--" */
};

/* Whether a delimiter line starts at body[at]: "--", the boundary, "--" for the close delimiter,
 * blanks (RFC 2046's transport padding), then CRLF, LF or the end of the body. */
static bool delimiter_at(const char *body, size_t len, size_t at, const char *b, size_t b_len,
			 struct delimiter *ret)
{
	if (len - at < 2 + b_len || body[at] != '-' || body[at + 1] != '-' || memcmp(body + at + 2, b, b_len) != 0)
		return false;
	size_t p = at + 2 + b_len;
	bool is_close = len - p >= 2 && body[p] == '-' && body[p + 1] == '-';
	if (is_close)
		p += 2;
	while (p < len && is_blank(body[p]))
		p++;
	if (p < len && body[p] == '\r' && p + 1 < len && body[p + 1] == '\n')
		p++;
	if (p < len && body[p] != '\n')
		return false;
	ret->next = p < len ? p + 1 : len;
	ret->is_close = is_close;
	return true;
}

/* The first delimiter line whose line ending (LF) is at or after from; *ret_lf is the LF that
 * ends the line before it, which the part before gives up (with its CR). */
static bool delimiter_find(const char *body, size_t len, size_t from, const char *b, size_t b_len, size_t *ret_lf,
			   struct delimiter *ret)
{
	while (from < len) {
		const char *lf = memchr(body + from, '\n', len - from);
		if (!lf)
			return false;
		size_t at = (size_t)(lf - body);
		if (delimiter_at(body, len, at + 1, b, b_len, ret)) {
			*ret_lf = at;
			return true;
		}
		from = at + 1;
	}
	return false;
}

/* ---- A part's headers ---- */

/* The headers xAPI reads, and where each goes in struct lrs_part. */
static const struct part_header {
	const char *name;
	size_t value, size, has;
	bool is_lowercased;
} PART_HEADERS[] = {
	{ "Content-Type", offsetof(struct lrs_part, content_type), LRS_CONTENT_TYPE_MAX,
	  offsetof(struct lrs_part, has_content_type), false },
	{ "Content-Transfer-Encoding", offsetof(struct lrs_part, transfer_encoding), LRS_TRANSFER_ENCODING_MAX,
	  offsetof(struct lrs_part, has_transfer_encoding), false },
	{ "X-Experience-API-Hash", offsetof(struct lrs_part, hash), LRS_SHA2_HEX_MAX + 1,
	  offsetof(struct lrs_part, has_hash), true },
};

static enum ll_err header_line(struct lrs_part *part, int index, const char *line, size_t len)
{
	char field[LL_FIELD_MAX];
	snprintf(field, sizeof(field), "parts[%d]", index);
	if (is_blank(line[0]))
		return ll_fail(LL_INVALID_VALUE, field, "a header line continues the one before it (folding is refused)");
	const char *colon = memchr(line, ':', len);
	if (!colon)
		return ll_fail(LL_INVALID_VALUE, field, "a header line has no colon");
	size_t name_len = (size_t)(colon - line);
	while (name_len > 0 && is_blank(line[name_len - 1]))
		name_len--;
	if (name_len == 0)
		return ll_fail(LL_INVALID_VALUE, field, "a header line has no name");
	const char *value = colon + 1, *end = line + len;
	while (value < end && is_blank(*value))
		value++;
	while (end > value && is_blank(end[-1]))
		end--;
	size_t value_len = (size_t)(end - value);
	for (size_t h = 0; h < sizeof(PART_HEADERS) / sizeof(PART_HEADERS[0]); h++) {
		const struct part_header *ph = &PART_HEADERS[h];
		if (strlen(ph->name) != name_len || strncasecmp(ph->name, line, name_len) != 0)
			continue;
		bool *has = (bool *)((char *)part + ph->has);
		char *out = (char *)part + ph->value;
		snprintf(field, sizeof(field), "parts[%d].%s", index, ph->name);
		if (*has)
			return ll_fail(LL_INVALID_VALUE, field, "the header is given twice");
		if (value_len >= ph->size)
			return ll_fail(LL_TOO_LONG, field, "the header's value is longer than %zu characters", ph->size - 1);
		for (size_t i = 0; i < value_len; i++)
			out[i] = ph->is_lowercased ? (char)tolower((unsigned char)value[i]) : value[i];
		out[value_len] = '\0';
		*has = true;
		break;
	}
	return LL_OK;
}

/* Reads body[from, to) as one part: header lines up to a blank line, then the content. A part
 * that ends in its headers has no content. */
static enum ll_err part_read(const char *body, size_t from, size_t to, int index, struct lrs_part *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->data = body + to;
	for (int lines = 0; from < to; lines++) {
		const char *lf = memchr(body + from, '\n', to - from);
		size_t end = lf ? (size_t)(lf - body) : to;
		size_t next = lf ? end + 1 : to;
		if (end > from && body[end - 1] == '\r')
			end--;
		if (end == from) {
			ret->data = body + next;
			ret->len = to - next;
			break;
		}
		if (lines == PART_HEADER_LINES_MAX) {
			char field[LL_FIELD_MAX];
			snprintf(field, sizeof(field), "parts[%d]", index);
			return ll_fail(LL_INVALID_VALUE, field, "a part has at most %d header lines",
				       PART_HEADER_LINES_MAX);
		}
		enum ll_err err = header_line(ret, index, body + from, end - from);
		if (err != LL_OK)
			return err;
		from = next;
	}
	return LL_OK;
}

/* ---- Reading ---- */

enum ll_err lrs_multipart_parse(const char *content_type, const char *body, size_t len, struct lrs_part *parts,
				int max_parts, int *ret_n)
{
	char b[BOUNDARY_MAX + 1];
	enum ll_err err = boundary_of(content_type, b);
	if (err != LL_OK)
		goto out;
	size_t b_len = strlen(b);
	/* Whatever comes before the first delimiter line is a preamble, to be ignored. */
	struct delimiter d;
	size_t lf;
	if (!body)
		len = 0;
	if (!(len > 0 && delimiter_at(body, len, 0, b, b_len, &d)) && !delimiter_find(body, len, 0, b, b_len, &lf, &d)) {
		err = ll_fail(LL_INVALID_VALUE, "boundary", "the body holds no delimiter line of the boundary");
		goto out;
	}
	if (d.is_close) {
		err = ll_fail(LL_INVALID_VALUE, "parts", "the body holds no part");
		goto out;
	}
	int n = 0;
	while (!d.is_close) {
		size_t from = d.next;
		/* Search from the LF that ended the delimiter line, so that a delimiter right after it
		 * (a part without even a blank line) ends an empty part rather than hides in the next. */
		if (from >= len || !delimiter_find(body, len, from - 1, b, b_len, &lf, &d)) {
			err = ll_fail(LL_INVALID_VALUE, "boundary", "the body ends without the close delimiter");
			goto out;
		}
		size_t to = lf;
		if (to > from && body[to - 1] == '\r')
			to--;
		if (to < from)
			to = from;
		if (n >= max_parts) {
			err = ll_fail(LL_OUT_OF_RANGE, "parts", "a request holds at most %d parts", max_parts);
			goto out;
		}
		err = part_read(body, from, to, n, &parts[n]);
		if (err != LL_OK)
			goto out;
		n++;
	}
	*ret_n = n;
out:
	return err;
}

/* ---- xAPI's rules ---- */

/* Whether a Content-Type value names application/json, with or without parameters. */
static bool is_json_type(const char *content_type)
{
	static const char json[] = "application/json";
	size_t len = strcspn(content_type, ";");
	while (len > 0 && is_blank(content_type[len - 1]))
		len--;
	return len == sizeof(json) - 1 && strncasecmp(content_type, json, len) == 0;
}

/* A SHA-2 (224, 256, 384 or 512 bits) in hexadecimal, as statement.c accepts for sha2. */
static bool is_sha2_hex(const char *s)
{
	size_t len = strlen(s);
	if (len != 56 && len != 64 && len != 96 && len != 128)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

enum ll_err lrs_multipart_statements(const struct lrs_part *parts, int n, const char **ret_json, size_t *ret_len)
{
	if (n < 1)
		return ll_fail(LL_MISSING_FIELD, "parts[0]", "the first part holds the statements");
	if (!parts[0].has_content_type)
		return ll_fail(LL_MISSING_FIELD, "parts[0].Content-Type", "the statements' part is application/json");
	if (!is_json_type(parts[0].content_type))
		return ll_fail(LL_INVALID_VALUE, "parts[0].Content-Type", "the statements' part is application/json");
	*ret_json = parts[0].data;
	*ret_len = parts[0].len;
	return LL_OK;
}

/* Whether data's SHA-2 of the size hex has (224, 256, 384 or 512 bits) is hex, in any case. */
static enum ll_err sha2_matches(const char *data, size_t len, const char *hex, bool *ret)
{
	const EVP_MD *md = NULL;
	switch (strlen(hex)) {
	case 56: md = EVP_sha224(); break;
	case 64: md = EVP_sha256(); break;
	case 96: md = EVP_sha384(); break;
	case 128: md = EVP_sha512(); break;
	default: *ret = false; return LL_OK;
	}
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_Digest(data, len, digest, &n, md, NULL))
		return ll_fail(LL_NOMEM, NULL, "cannot hash an attachment's data");
	char got[2 * EVP_MAX_MD_SIZE + 1];
	crypto_hex(digest, n, got);
	*ret = strcasecmp(got, hex) == 0;
	return LL_OK;
}

/* The first declaration of the attachment with this hash, or NULL. */
static const struct lrs_attachment_ref *declared(const struct lrs_statement *statements, int n, const char *hash)
{
	for (int j = 0; j < n; j++)
		for (int k = 0; k < statements[j].n_attachments; k++)
			if (strcasecmp(statements[j].attachments[k].sha2, hash) == 0)
				return &statements[j].attachments[k];
	return NULL;
}

/* The rules of one attachment part, in the order a client most needs to hear them. */
static enum ll_err attachment_part_check(const struct lrs_part *part, int i, const struct lrs_statement *statements,
					 int n_statements, const struct lrs_attachment_ref **ret_ref)
{
	char field[LL_FIELD_MAX];
	if (!part->has_hash && part->has_content_type && is_json_type(part->content_type)) {
		snprintf(field, sizeof(field), "parts[%d].Content-Type", i);
		return ll_fail(LL_INVALID_VALUE, field, "every statement is in the first part; later parts are attachments");
	}
	snprintf(field, sizeof(field), "parts[%d].X-Experience-API-Hash", i);
	if (!part->has_hash)
		return ll_fail(LL_MISSING_FIELD, field, "an attachment's part names its sha2 in X-Experience-API-Hash");
	if (!is_sha2_hex(part->hash))
		return ll_fail(LL_INVALID_VALUE, field, "must be a SHA-2 hash in hexadecimal");
	snprintf(field, sizeof(field), "parts[%d].Content-Transfer-Encoding", i);
	if (!part->has_transfer_encoding)
		return ll_fail(LL_MISSING_FIELD, field, "an attachment's part is sent with Content-Transfer-Encoding: binary");
	if (strcasecmp(part->transfer_encoding, "binary") != 0)
		return ll_fail(LL_INVALID_VALUE, field, "an attachment's part is sent with Content-Transfer-Encoding: binary");
	const struct lrs_attachment_ref *ref = declared(statements, n_statements, part->hash);
	if (!ref) {
		snprintf(field, sizeof(field), "parts[%d].X-Experience-API-Hash", i);
		return ll_fail(LL_INVALID_VALUE, field, "no attachment of the statements has this sha2");
	}
	*ret_ref = ref;
	return LL_OK;
}

/* Whether the statements' JSON is an array (a batch): the paths of its properties then start with
 * the statement's index, as lrs_statement_check was told. The JSON decoded already, so its first
 * character past white space says. */
static bool is_batch(const struct lrs_part *first)
{
	for (size_t i = 0; i < first->len; i++) {
		char ch = first->data[i];
		if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
			return ch == '[';
	}
	return false;
}

enum ll_err lrs_multipart_check(const struct lrs_part *parts, int n, const struct lrs_statement *statements,
				int n_statements, struct lrs_payload *payloads, int *ret_n_payloads)
{
	const char *json;
	size_t json_len;
	enum ll_err err = lrs_multipart_statements(parts, n, &json, &json_len);
	if (err != LL_OK)
		goto out;
	int n_payloads = 0;
	for (int i = 1; i < n; i++) {
		const struct lrs_attachment_ref *ref = NULL;
		err = attachment_part_check(&parts[i], i, statements, n_statements, &ref);
		if (err != LL_OK)
			goto out;
		/* One part serves every attachment with its hash: the first whose bytes are that hash, else
		 * the first. */
		struct lrs_payload *same = NULL;
		for (int k = 0; k < n_payloads && !same; k++)
			if (strcmp(payloads[k].sha2, parts[i].hash) == 0)
				same = &payloads[k];
		if (same && same->is_verified)
			continue;
		bool is_verified = false;
		if ((err = sha2_matches(parts[i].data, parts[i].len, parts[i].hash, &is_verified)) != LL_OK)
			goto out;
		if (!same)
			same = &payloads[n_payloads++];
		else if (!is_verified)
			continue;
		*same = (struct lrs_payload){ .sha2 = parts[i].hash, .content_type = ref->content_type,
					      .data = parts[i].data, .len = parts[i].len, .is_verified = is_verified };
	}
	bool is_array = is_batch(&parts[0]);
	for (int j = 0; j < n_statements; j++)
		for (int k = 0; k < statements[j].n_attachments; k++) {
			const struct lrs_attachment_ref *ref = &statements[j].attachments[k];
			if (ref->has_file_url)
				continue;
			bool has_part = false;
			for (int i = 1; i < n && !has_part; i++)
				has_part = strcasecmp(parts[i].hash, ref->sha2) == 0;
			if (has_part)
				continue;
			char field[LL_FIELD_MAX], prefix[24] = "";
			if (is_array)
				snprintf(prefix, sizeof(prefix), "[%d].", j);
			lrs_attachment_path(ref, prefix, "sha2", field, sizeof(field));
			err = ll_fail(LL_MISSING_FIELD, field, "an attachment without a fileUrl has a part with its data");
			goto out;
		}
	*ret_n_payloads = n_payloads;
out:
	return err;
}

/* ---- Writing ---- */

/* Whether s may stand as a header's value: something, and no control character that could end
 * the line early. */
static bool is_header_safe(const char *s)
{
	if (!s || *s == '\0')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool occurs(const void *data, size_t len, const char *s, size_t s_len)
{
	return data && len >= s_len && memmem(data, len, s, s_len) != NULL;
}

enum ll_err lrs_multipart_write(const char *json, size_t json_len, const struct lrs_payload *payloads, int n,
				char ret_content_type[LRS_MULTIPART_TYPE_MAX], char **ret_body, size_t *ret_len)
{
	enum ll_err err = LL_OK;
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < n; i++)
		if (!payloads[i].sha2 || !is_sha2_hex(payloads[i].sha2)) {
			err = ll_fail(LL_INTERNAL, NULL, "a stored attachment's sha2 is not hexadecimal");
			goto out;
		}
	char boundary[2 * WRITE_BOUNDARY_BYTES + 1];
	for (int attempt = 0;; attempt++) {
		if (attempt == WRITE_BOUNDARY_TRIES) {
			err = ll_fail(LL_INTERNAL, NULL, "no random boundary kept out of the parts");
			goto out;
		}
		crypto_random_hex(boundary, WRITE_BOUNDARY_BYTES);
		bool is_found = occurs(json, json_len, boundary, sizeof(boundary) - 1);
		for (int i = 0; i < n && !is_found; i++)
			is_found = occurs(payloads[i].data, payloads[i].len, boundary, sizeof(boundary) - 1);
		if (!is_found)
			break;
	}
	/* Every part ends with CRLF before the next delimiter: the suite's parser strips one. */
	buf_printf(&b, "--%s\r\nContent-Type: application/json\r\n\r\n", boundary);
	if (json_len > 0)
		buf_append(&b, json, json_len);
	for (int i = 0; i < n; i++) {
		const struct lrs_payload *p = &payloads[i];
		buf_printf(&b,
			   "\r\n--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: binary\r\n"
			   "X-Experience-API-Hash: %s\r\n\r\n",
			   boundary, is_header_safe(p->content_type) ? p->content_type : "application/octet-stream",
			   p->sha2);
		if (p->len > 0)
			buf_append(&b, p->data, p->len);
	}
	buf_printf(&b, "\r\n--%s--\r\n", boundary);
	if (b.is_oom) {
		err = LL_NOMEM;
		goto out;
	}
	snprintf(ret_content_type, LRS_MULTIPART_TYPE_MAX, "multipart/mixed; boundary=%s", boundary);
	*ret_body = buf_steal(&b, ret_len);
out:
	buf_release(&b);
	return err;
}
