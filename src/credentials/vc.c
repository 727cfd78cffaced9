/*
 * The JSON of the credentials: the issuer's profile, and an Open Badges 3.0 OpenBadgeCredential
 * for one outcome of the ledger with the entry's inclusion proof. Pure: no I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/clock.h"
#include "../base/crypto.h"
#include "../ledger/ledger.h"
#include "credentials.h"

enum ll_err cred_issuer_init(const char *url, struct cred_issuer *ret)
{
	memset(ret, 0, sizeof(*ret));
	const char *host = NULL;
	if (url && strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (url && strncmp(url, "http://", 7) == 0)
		host = url + 7;
	size_t len = host ? strlen(host) : 0;
	if (len && host[len - 1] == '/')
		len--;
	/* A DNS name (letters, digits, dots, hyphens) or an IPv4 address, and a port of 1 to 65535. */
	size_t name = host ? strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") : 0;
	size_t digits = name < len && host[name] == ':' ? strspn(host + name + 1, "0123456789") : 0;
	long port = digits ? strtol(host + name + 1, NULL, 10) : 0;
	bool is_port_ok = name == len || (name + 1 + digits == len && digits >= 1 && digits <= 5 && port >= 1 &&
					  port <= 65535);
	if (!host || name == 0 || host[0] == '.' || host[0] == '-' || !is_port_ok || strlen(url) >= sizeof(ret->url) ||
	    8 + 3 * len >= sizeof(ret->did))
		return ll_fail(LL_INVALID_VALUE, "url", "the issuer's address is http(s)://host[:port], without a path");
	snprintf(ret->url, sizeof(ret->url), "%.*s", (int)(host - url + (ptrdiff_t)len), url);
	/* did:web (W3C CCG did:web §3.2): the host, with a port's colon percent-encoded. */
	char *d = ret->did + snprintf(ret->did, sizeof(ret->did), "did:web:");
	for (size_t i = 0; i < len; i++) {
		if (host[i] == ':')
			d += sprintf(d, "%%3A");
		else
			*d++ = host[i];
	}
	*d = '\0';
	ret->name = "上海终身教育学分银行";
	ret->name_en = "Shanghai Lifelong Education Credit Bank";
	return LL_OK;
}

json_t *cred_issuer_profile(const struct cred_issuer *iss)
{
	return json_pack("{s:s, s:[s], s:s, s:s}", "id", iss->did, "type", "Profile", "name", iss->name, "url", iss->url);
}

/* The Open Badges achievement type of a kind of outcome (OB 3.0 AchievementType). */
static const char *const ACHIEVEMENT_TYPES[KIND_COUNT] = {
	[KIND_ACADEMIC_CREDIT] = "Course",
	[KIND_ACADEMIC_QUALIFICATION] = "Diploma",
	[KIND_VOCATIONAL_CERTIFICATE] = "Certificate",
	[KIND_PROFESSIONAL_QUALIFICATION] = "License",
	[KIND_NON_DEGREE_TRAINING] = "Certificate",
	[KIND_ENTERPRISE_TRAINING] = "Course",
	[KIND_COMMUNITY_EDUCATION] = "Course",
	[KIND_ELDER_EDUCATION] = "Course",
	[KIND_OTHER_LEARNING] = "Achievement",
};

/* Thousandths as a JSON number (credits 2500 -> 2.5). */
static json_t *milli(int64_t v)
{
	return json_real((double)v / 1000.0);
}

static bool set(json_t *obj, const char *key, json_t *v)
{
	return v && json_object_set_new(obj, key, v) == 0;
}

/* The ledger entry and its proof, as a verifier needs them: the entry's canonical bytes (which
 * its leaf hash covers), its place in the log, and the tree head that holds it. */
static json_t *ledger_part(const struct cred_badge_in *in)
{
	struct buf canonical;
	buf_init(&canonical);
	if (entry_canonical(in->entry, &canonical) != LL_OK) {
		buf_release(&canonical);
		return NULL;
	}
	char *entry64 = jose_b64url_encode(canonical.data, canonical.len);
	buf_release(&canonical);
	char hash[2 * ENTRY_HASH_BYTES + 1];
	crypto_hex(in->entry->entry_hash, ENTRY_HASH_BYTES, hash);
	json_t *o = entry64 ? json_pack("{s:s, s:s, s:I, s:s, s:s, s:o, s:o, s:s}", "type", "LifelongLedgerInclusion",
					"entryId", in->entry->id, "leafIndex", (json_int_t)in->entry->seq, "entry",
					entry64, "entryHash", hash, "treeHead", merkle_sth_to_json(in->sth),
					"inclusionProof", merkle_proof_to_json(in->proof), "treeHeadKey", in->log_key_id)
			    : NULL;
	free(entry64);
	return o;
}

/* The person: by name in clear, and by account number (an identifier the credit bank keeps), as
 * the identifier of a credential's subject. */
static json_t *identifiers(const char *person_name, const char *account_no)
{
	return json_pack("[{s:s, s:s, s:b, s:s}, {s:s, s:s, s:b, s:s}]", "type", "IdentityObject", "identityType",
			 "name", "hashed", 0, "identityHash", person_name ? person_name : "", "type", "IdentityObject",
			 "identityType", "identifier", "hashed", 0, "identityHash", account_no ? account_no : "");
}

json_t *cred_badge_json(const struct cred_badge_in *in)
{
	const struct ledger_entry *e = in->entry;
	const struct outcome *o = &e->o;
	char valid_from[32];
	clock_format_rfc3339(in->valid_from_us, valid_from);
	char creator_id[96];
	snprintf(creator_id, sizeof(creator_id), "urn:lifelong:institution:%s", o->institution_id ? o->institution_id : "");
	json_t *creator = json_pack("{s:s, s:[s], s:s}", "id", creator_id, "type", "Profile", "name",
				    in->institution_name ? in->institution_name : "");
	char achievement_id[96];
	snprintf(achievement_id, sizeof(achievement_id), "urn:lifelong:outcome:%s", e->outcome_id);
	char description[512];
	snprintf(description, sizeof(description), "%s · %s", outcome_kind_labels_zh[o->kind],
		 in->institution_name ? in->institution_name : "");
	char narrative[512];
	snprintf(narrative, sizeof(narrative),
		 "由%s按《%s录入标准》第 %d 版存入%s。Deposited by %s with the %s under version %d of the "
		 "entry standard for %s.",
		 in->institution_name ? in->institution_name : "", outcome_kind_labels_zh[o->kind], e->standard_version,
		 in->issuer->name, in->institution_name ? in->institution_name : "", in->issuer->name_en,
		 e->standard_version, outcome_kind_labels_en[o->kind]);
	json_t *achievement = json_pack("{s:s, s:[s], s:s, s:s, s:{s:s}, s:s, s:o, s:s}", "id", achievement_id, "type",
					"Achievement", "name", o->title, "description", description, "criteria",
					"narrative", narrative, "achievementType", ACHIEVEMENT_TYPES[o->kind], "creator",
					creator, "inLanguage", "zh-CN");
	bool is_ok = achievement != NULL;
	if (is_ok && o->code)
		is_ok = set(achievement, "humanCode", json_string(o->code));
	if (is_ok && o->credits_milli >= 0)
		is_ok = set(achievement, "creditsAvailable", milli(o->credits_milli));

	json_t *subject = json_pack("{s:[s], s:o, s:o}", "type", "AchievementSubject", "achievement", achievement,
				    "identifier", identifiers(in->person_name, in->account_no));
	is_ok = is_ok && subject;
	if (is_ok && o->credits_milli >= 0)
		is_ok = set(subject, "creditsEarned", milli(o->credits_milli));
	if (is_ok && o->started_on)
		is_ok = set(subject, "activityStartDate", json_sprintf("%sT00:00:00+08:00", o->started_on));
	if (is_ok && o->awarded_on)
		is_ok = set(subject, "activityEndDate", json_sprintf("%sT00:00:00+08:00", o->awarded_on));
	if (is_ok && o->certificate_no)
		is_ok = set(subject, "licenseNumber", json_string(o->certificate_no));
	if (is_ok && o->result_kind != RESULT_NONE && o->result)
		is_ok = set(subject, "result", json_pack("[{s:[s], s:s}]", "type", "Result", "value", o->result));

	json_t *vc = json_pack("{s:[s, s], s:s, s:[s, s], s:o, s:s, s:s, s:o, s:o}", "@context",
			       "https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
			       "id", in->id, "type", "VerifiableCredential", "OpenBadgeCredential", "issuer",
			       cred_issuer_profile(in->issuer), "validFrom", valid_from, "name", o->title,
			       "credentialSubject", subject, "lifelongLedger", ledger_part(in));
	if (is_ok && vc && in->status_index >= 0)
		is_ok = set(vc, "credentialStatus", cred_status_entry_json(in->issuer, (uint64_t)in->status_index));
	if (!is_ok || !vc) {
		json_decref(vc);
		return NULL;
	}
	return vc;
}

json_t *cred_clr_json(const struct cred_clr_in *in)
{
	char valid_from[32];
	clock_format_rfc3339(in->valid_from_us, valid_from);
	/* Each credential as the VC 2.0 data model embeds a secured one: enveloped, as its JWS. */
	json_t *embedded = json_array();
	for (int i = 0; embedded && i < in->n; i++) {
		json_t *e = json_pack("{s:s, s:s+, s:s}", "@context", "https://www.w3.org/ns/credentials/v2", "id",
				      "data:application/vc+jwt,", in->jws[i], "type", "EnvelopedVerifiableCredential");
		if (!e || json_array_append_new(embedded, e) != 0) {
			json_decref(embedded);
			embedded = NULL;
		}
	}
	json_t *subject = json_pack("{s:[s], s:o, s:o}", "type", "ClrSubject", "identifier",
				    identifiers(in->person_name, in->account_no), "verifiableCredential", embedded);
	char name[256];
	snprintf(name, sizeof(name), "%s的学习成果记录（%d 项）", in->person_name ? in->person_name : "", in->n);
	char description[512];
	snprintf(description, sizeof(description),
		 "%s签发的学习成果记录，每一项都附有其账本证明。A transcript of learning outcomes issued by the %s, "
		 "each with its ledger proof.",
		 in->issuer->name, in->issuer->name_en);
	json_t *vc = json_pack("{s:[s, s, s], s:s, s:[s, s], s:o, s:s, s:s, s:s, s:o}", "@context",
			       "https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
			       "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", "id", in->id, "type",
			       "VerifiableCredential", "ClrCredential", "issuer", cred_issuer_profile(in->issuer), "validFrom",
			       valid_from, "name", name, "description", description, "credentialSubject", subject);
	if (vc && in->status_index >= 0 &&
	    !set(vc, "credentialStatus", cred_status_entry_json(in->issuer, (uint64_t)in->status_index))) {
		json_decref(vc);
		return NULL;
	}
	return vc;
}
