/*
 * RFC 9421 with Ed25519. Signing serializes the parameters canonically (RFC 8941: an inner list
 * of strings, then ;key=value parameters); verifying takes the Signature-Input member exactly as
 * it was sent for the base's last line, as the signer made it, and parses it only to learn the
 * components and parameters. Fields and values are the structured-field subset these need: a
 * dictionary of inner lists of strings with integer and string parameters, and byte sequences.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsig.h"

/* ---- The signature base ---- */

/* The value of component c of msg: a derived component (§2.2) or a header field (§2.1). */
static enum ll_err component_value(const struct httpsig_message *msg, const char *c, char *tmp, size_t cap,
				   const char **ret)
{
	*ret = NULL;
	if (strcmp(c, "@method") == 0)
		*ret = msg->method;
	else if (strcmp(c, "@authority") == 0)
		*ret = msg->authority;
	else if (strcmp(c, "@path") == 0)
		*ret = msg->path;
	else if (strcmp(c, "@query") == 0)
		*ret = msg->query && *msg->query ? msg->query : "?";
	else if (strcmp(c, "@status") == 0 && msg->status >= 100 && msg->status <= 999) {
		snprintf(tmp, cap, "%d", msg->status);
		*ret = tmp;
	} else if (c[0] != '@' && msg->header) {
		const char *v = msg->header(msg->ctx, c);
		if (v) {
			/* Leading and trailing whitespace is not part of a field's value. */
			while (*v == ' ' || *v == '\t')
				v++;
			size_t len = strlen(v);
			while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
				len--;
			if (len >= cap)
				return ll_fail(LL_INVALID_VALUE, c, "the field %s is too long to sign", c);
			memcpy(tmp, v, len);
			tmp[len] = '\0';
			*ret = tmp;
		}
	}
	if (!*ret || (c[0] == '@' && !**ret))
		return ll_fail(LL_INVALID_VALUE, c, "the message has no %s to sign", c);
	return LL_OK;
}

/* A component name as it may stand in a signature: lowercase letters, digits, '-', '@' first. */
static bool is_component_name(const char *c)
{
	if (!c || !*c || strlen(c) > 64)
		return false;
	for (const char *p = c; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || (*p == '@' && p == c)))
			return false;
	return true;
}

static void serialize_params(const struct httpsig_params *p, struct buf *out)
{
	buf_putc(out, '(');
	for (int i = 0; i < p->n_components; i++)
		buf_printf(out, "%s\"%s\"", i ? " " : "", p->components[i]);
	buf_putc(out, ')');
	if (p->created)
		buf_printf(out, ";created=%lld", (long long)p->created);
	if (p->expires)
		buf_printf(out, ";expires=%lld", (long long)p->expires);
	if (p->nonce)
		buf_printf(out, ";nonce=\"%s\"", p->nonce);
	if (p->alg)
		buf_printf(out, ";alg=\"%s\"", p->alg);
	if (p->keyid)
		buf_printf(out, ";keyid=\"%s\"", p->keyid);
	if (p->tag)
		buf_printf(out, ";tag=\"%s\"", p->tag);
}

/* The base's lines for each component, then the @signature-params line with params_value. */
static enum ll_err base_with(const struct httpsig_message *msg, const struct httpsig_params *p, const char *params_value,
			     struct buf *out)
{
	char tmp[4096];
	for (int i = 0; i < p->n_components; i++) {
		const char *c = p->components[i];
		if (!is_component_name(c))
			return ll_fail(LL_INVALID_VALUE, "components", "a signature cannot cover \"%.64s\"", c ? c : "");
		for (int k = 0; k < i; k++)
			if (strcmp(p->components[k], c) == 0)
				return ll_fail(LL_INVALID_VALUE, c, "%s is covered twice", c);
		const char *v;
		enum ll_err err = component_value(msg, c, tmp, sizeof(tmp), &v);
		if (err != LL_OK)
			return err;
		buf_printf(out, "\"%s\": %s\n", c, v);
	}
	buf_printf(out, "\"@signature-params\": %s", params_value);
	return LL_OK;
}

enum ll_err httpsig_base(const struct httpsig_message *msg, const struct httpsig_params *p, struct buf *out,
			 struct buf *params_value)
{
	serialize_params(p, params_value);
	buf_putc(params_value, '\0');
	params_value->len--;
	return base_with(msg, p, params_value->data, out);
}

/* A string parameter as RFC 8941 allows it: printable ASCII without '"' and '\'. */
static bool is_sf_string(const char *s)
{
	for (; s && *s; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			return false;
	return true;
}

enum ll_err httpsig_sign_by(const struct httpsig_message *msg, const struct httpsig_params *p, const char *label,
			    httpsig_sign_fn sign, void *ctx, char **ret_input, char **ret_signature)
{
	*ret_input = *ret_signature = NULL;
	if (!is_component_name(label) || label[0] == '@' || !is_sf_string(p->nonce) || !is_sf_string(p->alg) ||
	    !is_sf_string(p->keyid) || !is_sf_string(p->tag))
		return ll_fail(LL_INVALID_VALUE, "label", "the signature's label or parameters cannot be written");
	struct buf base, params;
	buf_init(&base);
	buf_init(&params);
	enum ll_err err = httpsig_base(msg, p, &base, &params);
	unsigned char sig[crypto_sign_BYTES];
	if (err == LL_OK)
		err = sign(ctx, base.data, base.len, sig);
	if (err == LL_OK) {
		char b64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
		sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
		if (asprintf(ret_input, "%s=%s", label, params.data) < 0 ||
		    asprintf(ret_signature, "%s=:%s:", label, b64) < 0) {
			free(*ret_input);
			*ret_input = *ret_signature = NULL;
			err = LL_NOMEM;
		}
	}
	buf_release(&base);
	buf_release(&params);
	return err;
}

static enum ll_err sign_with_key(void *ctx, const void *base, size_t len, unsigned char sig[64])
{
	crypto_sign_detached(sig, NULL, base, len, ctx);
	return LL_OK;
}

enum ll_err httpsig_sign(const struct httpsig_message *msg, const struct httpsig_params *p, const char *label,
			 const unsigned char sk[64], char **ret_input, char **ret_signature)
{
	return httpsig_sign_by(msg, p, label, sign_with_key, (void *)sk, ret_input, ret_signature);
}

/* ---- Reading the fields ---- */

/* The value of dictionary member label in field (a Signature-Input or Signature value): its
 * start and length, without the whitespace around it. Commas inside strings, byte sequences and
 * inner lists belong to the member. */
static bool member(const char *field, const char *label, const char **ret, size_t *ret_len)
{
	size_t ll = strlen(label);
	const char *p = field;
	while (p && *p) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *start = p;
		bool in_string = false, in_bytes = false;
		int depth = 0;
		for (; *p && (in_string || in_bytes || depth || *p != ','); p++) {
			if (in_string && *p == '\\' && p[1])
				p++;
			else if (*p == '"' && !in_bytes)
				in_string = !in_string;
			else if (*p == ':' && !in_string)
				in_bytes = !in_bytes;
			else if (!in_string && !in_bytes && *p == '(')
				depth++;
			else if (!in_string && !in_bytes && *p == ')' && depth)
				depth--;
		}
		const char *end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if ((size_t)(end - start) > ll && strncmp(start, label, ll) == 0 && start[ll] == '=') {
			*ret = start + ll + 1;
			*ret_len = (size_t)(end - *ret);
			return true;
		}
		if (*p == ',')
			p++;
	}
	return false;
}

/* A quoted string at *p into out (cap bytes); advances *p past it. */
static bool read_string(const char **p, char *out, size_t cap)
{
	const char *s = *p;
	if (*s != '"')
		return false;
	size_t n = 0;
	for (s++; *s && *s != '"'; s++) {
		if (*s == '\\') {
			s++;
			if (*s != '"' && *s != '\\')
				return false;
		}
		if (*s < 0x20 || *s > 0x7e || n + 1 >= cap)
			return false;
		out[n++] = *s;
	}
	if (*s != '"')
		return false;
	out[n] = '\0';
	*p = s + 1;
	return true;
}

/* Parses a Signature-Input member value into v. */
static bool parse_params(const char *value, size_t len, struct httpsig_verified *v)
{
	char text[2048];
	if (len >= sizeof(text))
		return false;
	memcpy(text, value, len);
	text[len] = '\0';
	const char *p = text;
	memset(&v->params, 0, sizeof(v->params));
	if (*p++ != '(')
		return false;
	while (*p == ' ')
		p++;
	while (*p != ')') {
		char *name = v->component_names[v->params.n_components];
		if (v->params.n_components == HTTPSIG_MAX_COMPONENTS || !read_string(&p, name, sizeof(v->component_names[0])))
			return false;
		v->params.components[v->params.n_components] = name;
		v->params.n_components++;
		if (*p == ' ')
			while (*p == ' ')
				p++;
		else if (*p != ')')
			return false;
	}
	p++;
	while (*p == ';') {
		p++;
		char key[16];
		size_t k = strcspn(p, "=;");
		if (k == 0 || k >= sizeof(key) || p[k] != '=')
			return false;
		memcpy(key, p, k);
		key[k] = '\0';
		p += k + 1;
		if (strcmp(key, "created") == 0 || strcmp(key, "expires") == 0) {
			char *end = NULL;
			long long n = strtoll(p, &end, 10);
			if (end == p || n <= 0 || (*end && *end != ';'))
				return false;
			*(strcmp(key, "created") == 0 ? &v->params.created : &v->params.expires) = n;
			p = end;
		} else if (strcmp(key, "keyid") == 0 || strcmp(key, "nonce") == 0 || strcmp(key, "tag") == 0 ||
			   strcmp(key, "alg") == 0) {
			char s[128];
			if (!read_string(&p, s, sizeof(s)))
				return false;
			if (strcmp(key, "keyid") == 0)
				snprintf(v->keyid, sizeof(v->keyid), "%s", s);
			else if (strcmp(key, "nonce") == 0)
				snprintf(v->nonce, sizeof(v->nonce), "%s", s);
			else if (strcmp(key, "tag") == 0)
				snprintf(v->tag, sizeof(v->tag), "%.63s", s);
			else if (strcmp(s, "ed25519") != 0)
				return false; /* an algorithm other than the one this key is for */
		} else {
			return false;
		}
	}
	v->params.keyid = v->keyid[0] ? v->keyid : NULL;
	v->params.nonce = v->nonce[0] ? v->nonce : NULL;
	v->params.tag = v->tag[0] ? v->tag : NULL;
	return *p == '\0';
}

enum ll_err httpsig_verify(const struct httpsig_message *msg, const char *label, const char *const *required, int n,
			   int64_t now_s, int64_t max_age_s, int64_t skew_s, httpsig_key_fn key_of, void *ctx,
			   struct httpsig_verified *ret)
{
	memset(ret, 0, sizeof(*ret));
	const char *input = msg->header ? msg->header(msg->ctx, "signature-input") : NULL;
	const char *signature = msg->header ? msg->header(msg->ctx, "signature") : NULL;
	const char *value, *sig_value;
	size_t value_len, sig_len;
	if (!input || !signature || !member(input, label, &value, &value_len) ||
	    !member(signature, label, &sig_value, &sig_len))
		return ll_fail(LL_UNAUTHENTICATED, "signature", "the message carries no signature %s", label);
	enum ll_err err = LL_OK;
	if (!parse_params(value, value_len, ret))
		err = ll_fail(LL_UNAUTHENTICATED, "signature-input", "the signature's parameters do not parse");
	for (int i = 0; err == LL_OK && i < n; i++) {
		bool is_covered = false;
		for (int k = 0; k < ret->params.n_components && !is_covered; k++)
			is_covered = strcmp(ret->params.components[k], required[i]) == 0;
		if (!is_covered)
			err = ll_fail(LL_UNAUTHENTICATED, "signature-input", "the signature does not cover %s", required[i]);
	}
	if (err == LL_OK && !ret->params.created)
		err = ll_fail(LL_UNAUTHENTICATED, "signature-input", "the signature does not say when it was made");
	else if (err == LL_OK && (ret->params.created > now_s + skew_s || ret->params.created < now_s - max_age_s - skew_s))
		err = ll_fail(LL_UNAUTHENTICATED, "signature-input", "the signature was made at %lld, outside the window",
			      (long long)ret->params.created);
	else if (err == LL_OK && ret->params.expires && ret->params.expires < now_s - skew_s)
		err = ll_fail(LL_UNAUTHENTICATED, "signature-input", "the signature expired");
	unsigned char pk[32];
	if (err == LL_OK && (!ret->params.keyid || !key_of(ctx, ret->params.keyid, pk)))
		err = ll_fail(LL_UNAUTHENTICATED, "keyid", "the signature names no key known here");
	unsigned char sig[crypto_sign_BYTES];
	size_t decoded = 0;
	if (err == LL_OK && (sig_len < 2 || sig_value[0] != ':' || sig_value[sig_len - 1] != ':' ||
			     sodium_base642bin(sig, sizeof(sig), sig_value + 1, sig_len - 2, NULL, &decoded, NULL,
					       sodium_base64_VARIANT_ORIGINAL) != 0 ||
			     decoded != sizeof(sig)))
		err = ll_fail(LL_UNAUTHENTICATED, "signature", "the signature is not 64 bytes of base64");
	struct buf base;
	buf_init(&base);
	if (err == LL_OK) {
		char *params_value = strndup(value, value_len);
		err = params_value ? base_with(msg, &ret->params, params_value, &base) : LL_NOMEM;
		free(params_value);
		if (err != LL_OK && err != LL_NOMEM)
			err = ll_fail(LL_UNAUTHENTICATED, "signature-input", "%s", ll_error_get(err)->message);
	}
	if (err == LL_OK &&
	    crypto_sign_verify_detached(sig, (const unsigned char *)base.data, base.len, pk) != 0)
		err = ll_fail(LL_UNAUTHENTICATED, "signature", "the signature does not match the message");
	buf_release(&base);
	return err;
}

void httpsig_content_digest(const void *body, size_t len, char out[HTTPSIG_DIGEST_MAX])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(d, body, len);
	char b64[sodium_base64_ENCODED_LEN(sizeof(d), sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(b64, sizeof(b64), d, sizeof(d), sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, HTTPSIG_DIGEST_MAX, "sha-256=:%s:", b64);
}
