/*
 * W3C Bitstring Status List v1.0: a list of 131,072 bits (16 KiB) a list, bit i the status of the
 * credential at index i (the left-most bit of the first byte is index 0), GZIP-compressed and
 * written as a multibase base64url string ("u" and no padding). Pure: no I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../base/clock.h"
#include "credentials.h"

void cred_status_set(unsigned char bits[CRED_STATUS_LIST_BYTES], uint64_t index)
{
	index %= CRED_STATUS_LIST_BITS;
	bits[index / 8] |= (unsigned char)(0x80u >> (index % 8));
}

bool cred_status_get(const unsigned char *bits, size_t len, uint64_t index)
{
	return index / 8 < len && (bits[index / 8] & (0x80u >> (index % 8))) != 0;
}

enum ll_err cred_status_encode(const unsigned char bits[CRED_STATUS_LIST_BYTES], char **ret)
{
	*ret = NULL;
	z_stream z = { 0 };
	/* windowBits 16 + 15: a gzip header and trailer (RFC 1952), as the specification asks. */
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return LL_NOMEM;
	uLong cap = deflateBound(&z, CRED_STATUS_LIST_BYTES) + 32;
	unsigned char *gz = malloc(cap);
	if (!gz) {
		deflateEnd(&z);
		return LL_NOMEM;
	}
	z.next_in = (unsigned char *)bits;
	z.avail_in = CRED_STATUS_LIST_BYTES;
	z.next_out = gz;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	size_t len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(gz);
		return ll_fail(LL_INTERNAL, NULL, "the status list does not compress");
	}
	char *b64 = jose_b64url_encode(gz, len);
	free(gz);
	char *out = b64 ? malloc(strlen(b64) + 2) : NULL;
	if (!out) {
		free(b64);
		return LL_NOMEM;
	}
	out[0] = 'u';
	strcpy(out + 1, b64);
	free(b64);
	*ret = out;
	return LL_OK;
}

enum ll_err cred_status_decode(const char *encoded, const char *field, unsigned char **ret_bits, size_t *ret_len)
{
	*ret_bits = NULL;
	*ret_len = 0;
	unsigned char *gz = NULL;
	size_t gz_len = 0;
	if (!encoded || encoded[0] != 'u' || !jose_b64url_decode(encoded + 1, strlen(encoded + 1), &gz, &gz_len))
		return ll_fail(LL_INVALID_VALUE, field, "a status list is multibase base64url: 'u' and base64url");
	/* Lists are 16 KiB at least; refuse what would inflate past 16 MiB. */
	size_t cap = 16u << 20;
	unsigned char *bits = malloc(cap);
	z_stream z = { 0 };
	if (!bits || inflateInit2(&z, 16 + 15) != Z_OK) {
		free(gz);
		free(bits);
		return LL_NOMEM;
	}
	z.next_in = gz;
	z.avail_in = (uInt)gz_len;
	z.next_out = bits;
	z.avail_out = (uInt)cap;
	int rc = inflate(&z, Z_FINISH);
	size_t len = z.total_out;
	inflateEnd(&z);
	free(gz);
	if (rc != Z_STREAM_END || len < CRED_STATUS_LIST_BYTES) {
		free(bits);
		return ll_fail(LL_INVALID_VALUE, field, "a status list is a GZIP-compressed bitstring of 16 KiB or more");
	}
	*ret_bits = bits;
	*ret_len = len;
	return LL_OK;
}

void cred_status_list_url(const struct cred_issuer *iss, uint64_t list, char out[CRED_URL_MAX])
{
	snprintf(out, CRED_URL_MAX, "%s/api/v1/credentials/status/%llu", iss->url, (unsigned long long)list);
}

json_t *cred_status_entry_json(const struct cred_issuer *iss, uint64_t index)
{
	char list[CRED_URL_MAX], id[CRED_URL_MAX + 32], at[24];
	cred_status_list_url(iss, index / CRED_STATUS_LIST_BITS, list);
	snprintf(at, sizeof(at), "%llu", (unsigned long long)(index % CRED_STATUS_LIST_BITS));
	snprintf(id, sizeof(id), "%s#%s", list, at);
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "type", "BitstringStatusListEntry", "statusPurpose",
			 "revocation", "statusListIndex", at, "statusListCredential", list);
}

json_t *cred_status_list_json(const struct cred_issuer *iss, uint64_t list, const char *encoded, int64_t valid_from_us)
{
	char url[CRED_URL_MAX], subject[CRED_URL_MAX + 8], valid_from[32];
	cred_status_list_url(iss, list, url);
	snprintf(subject, sizeof(subject), "%s#list", url);
	clock_format_rfc3339(valid_from_us, valid_from);
	return json_pack("{s:[s], s:s, s:[s, s], s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "@context",
			 "https://www.w3.org/ns/credentials/v2", "id", url, "type", "VerifiableCredential",
			 "BitstringStatusListCredential", "issuer", iss->did, "validFrom", valid_from, "credentialSubject",
			 "id", subject, "type", "BitstringStatusList", "statusPurpose", "revocation", "encodedList", encoded);
}
