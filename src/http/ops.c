/*
 * Health, metrics and the API description. The description is generated from the route table:
 * each route's method, path, roles, body spec (the same table that decodes the body) and
 * response schema name, so it cannot drift from what the server does.
 */
#include "ops.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../store/store.h"
#include "metrics.h"

enum ll_err ops_http_health(struct http_req *req)
{
	int version = 0;
	enum ll_err err = store_schema_version(req->app->st, &version);
	if (err != LL_OK)
		return ll_fail(LL_BUSY, NULL, "database unavailable");
	http_reply(req, 200, json_pack("{s:s, s:i}", "status", "ok", "schema_version", version));
	return LL_OK;
}

enum ll_err ops_http_metrics(struct http_req *req)
{
	struct buf out;
	buf_init(&out);
	unsigned open = 0;
	if (req->app->daemon) {
		const union MHD_DaemonInfo *di = MHD_get_daemon_info(req->app->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		open = di ? di->num_connections : 0;
	}
	metrics_render(req->app->metrics, req->app->st, open, &out);
	if (out.is_oom) {
		buf_release(&out);
		return ll_fail(LL_NOMEM, NULL, NULL);
	}
	char *text = arena_memdup(&req->arena, out.data, out.len);
	size_t len = out.len;
	buf_release(&out);
	if (!text)
		return ll_fail(LL_ARENA_FULL, NULL, NULL);
	http_reply_raw(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	return LL_OK;
}

static json_t *ref(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "#/components/schemas/%s", name);
	return json_pack("{s:s}", "$ref", path);
}

static json_t *obj_schema(const char *props_json)
{
	json_error_t e;
	json_t *props = json_loads(props_json, 0, &e);
	return json_pack("{s:s, s:o}", "type", "object", "properties", props ? props : json_object());
}

static json_t *components(void)
{
	json_t *s = json_object();
	json_object_set_new(s, "Error", obj_schema(
		"{\"error\":{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\"},"
		"\"message\":{\"type\":\"string\"},\"field\":{\"type\":\"string\"}},\"required\":[\"code\",\"message\"]}}"));
	json_object_set_new(s, "Ref", obj_schema("{\"code\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"}}"));
	json_object_set_new(s, "Me", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"login\":{\"type\":\"string\"},\"role\":{\"type\":\"string\"},"
		"\"display_name\":{\"type\":\"string\"},\"institution\":{\"type\":[\"object\",\"null\"]},"
		"\"district\":{\"type\":[\"object\",\"null\"]},\"person_id\":{\"type\":[\"string\",\"null\"]},"
		"\"elder_mode\":{\"type\":\"boolean\"},\"locale\":{\"type\":\"string\"},"
		"\"csrf_token\":{\"type\":[\"string\",\"null\"]}}"));
	json_object_set_new(s, "Session", obj_schema(
		"{\"user\":{\"$ref\":\"#/components/schemas/Me\"},\"csrf_token\":{\"type\":\"string\"}}"));
	json_object_set_new(s, "Account", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"account_no\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},"
		"\"id_number\":{\"type\":\"string\",\"description\":\"masked unless revealed\"},"
		"\"phone\":{\"type\":[\"string\",\"null\"]},\"is_revealed\":{\"type\":\"boolean\"},"
		"\"birth_date\":{\"type\":\"string\",\"format\":\"date\"},\"gender\":{\"type\":\"string\"},"
		"\"district\":{\"$ref\":\"#/components/schemas/Ref\"},\"subdistrict\":{\"type\":[\"object\",\"null\"]},"
		"\"committee\":{\"type\":[\"object\",\"null\"]},\"registered_by\":{\"type\":[\"string\",\"null\"]},"
		"\"is_activated\":{\"type\":\"boolean\"},\"activated_at\":{\"type\":[\"string\",\"null\"]},"
		"\"created_at\":{\"type\":\"string\",\"format\":\"date-time\"}}"));
	json_object_set_new(s, "Page", obj_schema(
		"{\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},\"next\":{}}"));
	json_object_set_new(s, "Items", obj_schema("{\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}"));
	json_object_set_new(s, "Institution", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"name_en\":{\"type\":[\"string\",\"null\"]},"
		"\"type\":{\"type\":\"string\"},\"district\":{\"$ref\":\"#/components/schemas/Ref\"},"
		"\"created_at\":{\"type\":\"string\"}}"));
	json_object_set_new(s, "User", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"login\":{\"type\":\"string\"},\"role\":{\"type\":\"string\"},"
		"\"display_name\":{\"type\":\"string\"}}"));
	json_object_set_new(s, "Token", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"scope\":{\"type\":\"string\"},"
		"\"token\":{\"type\":\"string\",\"description\":\"shown once\"}}"));
	json_object_set_new(s, "Stats", obj_schema(
		"{\"total_accounts\":{\"type\":\"integer\"},\"total_activated\":{\"type\":\"integer\"},"
		"\"districts\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}"));
	json_object_set_new(s, "Health", obj_schema(
		"{\"status\":{\"type\":\"string\"},\"schema_version\":{\"type\":\"integer\"}}"));
	json_object_set_new(s, "StandardRules", obj_schema(
		"{\"required\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"enum\":[\"code\",\"level\","
		"\"credits_milli\",\"hours_milli\",\"result\",\"started_on\",\"certificate_no\",\"evidence\"]}},"
		"\"credits_milli\":{\"$ref\":\"#/components/schemas/Range\"},\"hours_milli\":{\"$ref\":\"#/components/schemas/Range\"},"
		"\"level\":{\"$ref\":\"#/components/schemas/Range\"},"
		"\"institution_types\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
		"\"review\":{\"type\":\"string\",\"enum\":[\"auto\",\"manual\"]},"
		"\"max_age_years\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100},"
		"\"description\":{\"type\":\"string\"},\"description_en\":{\"type\":\"string\"}}"));
	json_object_set_new(s, "Plan", obj_schema(
		"{\"total_credits_milli\":{\"type\":\"integer\"},\"transfer_max_permille\":{\"type\":\"integer\","
		"\"minimum\":0,\"maximum\":1000},\"groups\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
		"\"properties\":{\"code\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"name_en\":{\"type\":\"string\"},"
		"\"elective\":{\"type\":\"boolean\"},\"min_credits_milli\":{\"type\":\"integer\"}}}},"
		"\"courses\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\"},"
		"\"name\":{\"type\":\"string\"},\"name_en\":{\"type\":\"string\"},\"group\":{\"type\":\"string\"},"
		"\"credits_milli\":{\"type\":\"integer\"},\"transfer_excluded\":{\"type\":\"boolean\"}}}}}"));
	json_object_set_new(s, "ProgrammeNew", obj_schema(
		"{\"code\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"name_en\":{\"type\":\"string\"},"
		"\"kind\":{\"type\":\"string\",\"enum\":[\"associate\",\"bachelor\",\"diploma\",\"certificate\",\"self_study\"]},"
		"\"plan\":{\"$ref\":\"#/components/schemas/Plan\"}}"));
	json_object_set_new(s, "Programme", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"institution_id\":{\"type\":\"string\"},"
		"\"institution_name\":{\"type\":\"string\"},\"code\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},"
		"\"name_en\":{\"type\":[\"string\",\"null\"]},\"kind\":{\"type\":\"string\"},"
		"\"plan_version\":{\"type\":\"integer\"},\"plan\":{\"$ref\":\"#/components/schemas/Plan\"}}"));
	json_object_set_new(s, "Rule", obj_schema(
		"{\"name\":{\"type\":\"string\"},\"name_en\":{\"type\":\"string\"},"
		"\"effective_from\":{\"type\":\"string\",\"format\":\"date\"},"
		"\"effective_to\":{\"type\":[\"string\",\"null\"],\"format\":\"date\"},"
		"\"conditions\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		"\"kind\":{\"type\":\"string\"},\"code\":{\"type\":\"string\",\"description\":\"exact, or with * for any run\"},"
		"\"min_level\":{\"type\":\"integer\"},\"min_result\":{\"description\":\"{score}, {grade} or pass\"},"
		"\"min_hours_milli\":{\"type\":\"integer\"},\"within_years\":{\"type\":\"integer\"},"
		"\"count\":{\"type\":\"integer\"}}}},"
		"\"grants\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		"\"course\":{\"type\":\"string\"},\"group\":{\"type\":\"string\"},\"credits_milli\":{\"type\":\"integer\"}}}}}"));
	json_object_set_new(s, "RuleVersion", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"version\":{\"type\":\"integer\"},"
		"\"status\":{\"type\":\"string\",\"enum\":[\"pending\",\"approved\",\"rejected\"]}}"));
	json_object_set_new(s, "TransferApplication", obj_schema(
		"{\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		"\"course\":{\"type\":\"string\"},\"group\":{\"type\":\"string\"},\"rule_id\":{\"type\":\"string\"}}}}}"));
	json_object_set_new(s, "Application", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"programme_id\":{\"type\":\"string\"},\"created_at\":{\"type\":\"string\"},"
		"\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}"));
	json_object_set_new(s, "Decision", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"status\":{\"type\":\"string\",\"enum\":[\"approved\",\"rejected\"]}}"));
	json_object_set_new(s, "CertUnit", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"code\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},"
		"\"level\":{\"type\":\"integer\"},\"credits_milli\":{\"type\":\"integer\"},"
		"\"outcomes\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"assessment\":{\"type\":\"string\"},"
		"\"status\":{\"type\":\"string\"},\"institution_name\":{\"type\":\"string\"}}"));
	json_object_set_new(s, "Statement", obj_schema(
		"{\"id\":{\"type\":\"string\",\"format\":\"uuid\"},\"actor\":{\"type\":\"object\"},"
		"\"verb\":{\"type\":\"object\"},\"object\":{\"type\":\"object\"},\"result\":{\"type\":\"object\"},"
		"\"context\":{\"type\":\"object\"},\"timestamp\":{\"type\":\"string\"},"
		"\"attachments\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}"));
	json_object_set_new(s, "Statements", json_pack("{s:s, s:[{s:o}, {s:s, s:{s:o}}], s:s}", "description",
		"an xAPI 1.0.3 statement, or (POST) an array of them", "oneOf", "$ref",
		json_string("#/components/schemas/Statement"), "type", "array", "items", "$ref",
		json_string("#/components/schemas/Statement"), "externalDocs",
		"https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md"));
	json_object_set_new(s, "StatementIds", json_pack("{s:s, s:{s:s, s:s}}", "type", "array", "items", "type",
							 "string", "format", "uuid"));
	json_object_set_new(s, "StatementResult", obj_schema(
		"{\"statements\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Statement\"}},"
		"\"more\":{\"type\":\"string\",\"description\":\"where the next page is, or empty\"}}"));
	json_object_set_new(s, "XapiAbout", obj_schema(
		"{\"version\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"extensions\":{\"type\":\"object\"}}"));
	json_object_set_new(s, "XapiActivity", obj_schema(
		"{\"objectType\":{\"type\":\"string\"},\"id\":{\"type\":\"string\"},\"definition\":{\"type\":\"object\"}}"));
	json_object_set_new(s, "XapiPerson", obj_schema(
		"{\"objectType\":{\"type\":\"string\"},\"name\":{\"type\":\"array\"},\"mbox\":{\"type\":\"array\"},"
		"\"mbox_sha1sum\":{\"type\":\"array\"},\"openid\":{\"type\":\"array\"},\"account\":{\"type\":\"array\"}}"));
	json_object_set_new(s, "LrsClient", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"key\":{\"type\":\"string\"},"
		"\"secret\":{\"type\":\"string\",\"description\":\"shown once, when the client is created\"},"
		"\"is_trusted\":{\"type\":\"boolean\"}}"));
	json_object_set_new(s, "TransferStats", obj_schema(
		"{\"programmes\":{\"type\":\"array\",\"items\":{\"type\":\"object\"},\"description\":"
		"\"each programme's items by status (count, credits_milli) and its approved items by kind\"},"
		"\"kinds\":{\"type\":\"array\",\"items\":{\"type\":\"object\"},\"description\":"
		"\"approved items and the outcomes they used, by kind\"}}"));
	json_object_set_new(s, "Enrolment", obj_schema(
		"{\"programme_id\":{\"type\":\"string\"},\"account_no\":{\"type\":\"string\"}}"));
	json_object_set_new(s, "Audit", obj_schema(
		"{\"as_of\":{\"type\":\"string\",\"format\":\"date\"},\"is_complete\":{\"type\":\"boolean\"},"
		"\"is_complete_with_transfers\":{\"type\":\"boolean\"},\"credits\":{\"type\":\"object\"},"
		"\"groups\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
		"\"courses\":{\"type\":\"array\",\"items\":{\"type\":\"object\"},\"description\":"
		"\"status: completed, transferred, available (a rule grants it: apply), missing\"},"
		"\"group_credits\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
		"\"rules\":{\"type\":\"array\",\"items\":{\"type\":\"object\"},\"description\":"
		"\"the rules applied and those that could have applied, each with its reasons\"},"
		"\"rules_unrelated\":{\"type\":\"integer\"},\"unfit_rules\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
		"\"programme\":{\"type\":\"object\"},\"person\":{\"type\":\"object\"}}"));
	json_object_set_new(s, "Range", obj_schema("{\"min\":{\"type\":\"integer\"},\"max\":{\"type\":\"integer\"}}"));
	json_object_set_new(s, "Standard", obj_schema(
		"{\"kind\":{\"type\":\"string\"},\"version\":{\"type\":\"integer\"},"
		"\"rules\":{\"$ref\":\"#/components/schemas/StandardRules\"}}"));
	json_object_set_new(s, "Evidence", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"sha256\":{\"type\":\"string\"},\"size\":{\"type\":\"integer\"},"
		"\"media_type\":{\"type\":\"string\"},\"name\":{\"type\":[\"string\",\"null\"]}}"));
	json_object_set_new(s, "Deposit", obj_schema(
		"{\"submission_id\":{\"type\":\"string\"},\"status\":{\"type\":\"string\","
		"\"enum\":[\"pending\",\"returned\",\"rejected\",\"stored\"]},\"entry_id\":{\"type\":[\"string\",\"null\"]},"
		"\"outcome_id\":{\"type\":[\"string\",\"null\"]},\"is_existing\":{\"type\":\"boolean\"}}"));
	json_object_set_new(s, "Revocation", obj_schema(
		"{\"outcome_id\":{\"type\":\"string\"},\"entry_id\":{\"type\":\"string\"}}"));
	json_object_set_new(s, "Submission", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"op\":{\"type\":\"string\"},\"status\":{\"type\":\"string\"},"
		"\"person\":{\"type\":\"object\"},\"institution\":{\"type\":\"object\"},\"kind\":{\"type\":\"string\"},"
		"\"title\":{\"type\":\"string\"},\"standard_version\":{\"type\":\"integer\"},"
		"\"submitted_at\":{\"type\":\"string\"},\"age_s\":{\"type\":\"integer\"},"
		"\"decision_reason\":{\"type\":[\"string\",\"null\"]},\"entry_id\":{\"type\":[\"string\",\"null\"]}}"));
	json_object_set_new(s, "Jwks", obj_schema(
		"{\"keys\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		"\"kty\":{\"type\":\"string\"},\"crv\":{\"type\":\"string\"},\"x\":{\"type\":\"string\"},"
		"\"kid\":{\"type\":\"string\"},\"alg\":{\"type\":\"string\"},\"use\":{\"type\":\"string\"}}}}}"));
	json_object_set_new(s, "DidDocument", obj_schema(
		"{\"@context\":{\"type\":\"array\"},\"id\":{\"type\":\"string\"},"
		"\"verificationMethod\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
		"\"assertionMethod\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}"));
	json_object_set_new(s, "IssuerProfile", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"type\":{\"type\":\"array\"},\"name\":{\"type\":\"string\"},"
		"\"url\":{\"type\":\"string\"},\"jwks_uri\":{\"type\":\"string\"},\"did_document\":{\"type\":\"string\"}}"));
	json_object_set_new(s, "Jws", json_pack("{s:s, s:s}", "type", "string", "description",
						"a verifiable credential secured with VC-JOSE: a compact JWS (application/vc+jwt)"));
	json_object_set_new(s, "CredentialKey", obj_schema("{\"kid\":{\"type\":\"string\"}}"));
	json_object_set_new(s, "Credential", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"type\":{\"type\":\"string\"},\"outcome_id\":{\"type\":\"string\"},"
		"\"entry_id\":{\"type\":\"string\"},\"kid\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"
		"\"records\":{\"type\":\"integer\",\"description\":\"how many ledger entries it speaks for: 1 for a "
		"badge\"},\"issued_at\":{\"type\":\"string\"},\"jws\":{\"type\":\"string\",\"description\":\"the credential "
		"secured with VC-JOSE: a compact JWS (EdDSA) whose payload is the credential\"},"
		"\"credential\":{\"type\":\"object\",\"description\":\"the OpenBadgeCredential or ClrCredential, as the "
		"JWS's payload\"},\"items\":{\"type\":\"array\",\"description\":\"a transcript's: the badge of each "
		"outcome it holds\",\"items\":{\"type\":\"object\"}}}"));
	json_object_set_new(s, "VerifyReport", obj_schema(
		"{\"is_valid\":{\"type\":\"boolean\"},\"issuer\":{\"type\":\"string\"},\"kid\":{\"type\":\"string\"},"
		"\"checks\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		"\"check\":{\"type\":\"string\",\"enum\":[\"format\",\"signature\",\"validity\",\"status\",\"ledger\"]},"
		"\"status\":{\"type\":\"string\",\"enum\":[\"passed\",\"failed\",\"not_checked\"]},"
		"\"message\":{\"type\":\"string\"},\"message_en\":{\"type\":\"string\"}}}},"
		"\"credential\":{\"type\":\"object\"},\"embedded\":{\"type\":\"array\",\"description\":"
		"\"a transcript's: the report of each credential it embeds\",\"items\":{\"type\":\"object\"}}}"));
	json_object_set_new(s, "CredentialShare", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"purpose\":{\"type\":\"string\"},"
		"\"recipient\":{\"type\":[\"string\",\"null\"]},\"created_at\":{\"type\":\"string\"},"
		"\"expires_at\":{\"type\":\"string\"},\"ended_at\":{\"type\":[\"string\",\"null\"]},"
		"\"state\":{\"type\":\"string\",\"enum\":[\"active\",\"expired\",\"ended\"]},"
		"\"token\":{\"type\":\"string\",\"description\":\"192 random bits as base64url\"},"
		"\"url\":{\"type\":\"string\",\"description\":\"the link: <issuer url>/s/<token>\"},"
		"\"views\":{\"type\":\"integer\"},\"clr_id\":{\"type\":\"string\"},"
		"\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		"\"credential_id\":{\"type\":\"string\"},\"outcome_id\":{\"type\":\"string\"},"
		"\"title\":{\"type\":\"string\"}}}},"
		"\"view_log\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		"\"at\":{\"type\":\"string\"},\"address\":{\"type\":\"string\"},"
		"\"user_agent\":{\"type\":[\"string\",\"null\"]},\"was_shown\":{\"type\":\"boolean\"}}}}}"));
	json_object_set_new(s, "CredentialShares", obj_schema(
		"{\"items\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/CredentialShare\"}}}"));
	json_object_set_new(s, "SharedRecords", obj_schema(
		"{\"purpose\":{\"type\":\"string\"},\"recipient\":{\"type\":[\"string\",\"null\"]},"
		"\"created_at\":{\"type\":\"string\"},\"expires_at\":{\"type\":\"string\"},"
		"\"holder\":{\"type\":\"object\"},\"issuer\":{\"type\":\"object\"},"
		"\"is_valid\":{\"type\":\"boolean\",\"description\":\"every credential shared verifies now\"},"
		"\"transcript\":{\"type\":\"object\",\"description\":\"the CLR transcript: id, title, jws, report\"},"
		"\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		"\"credential_id\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"
		"\"jws\":{\"type\":\"string\"},\"report\":{\"$ref\":\"#/components/schemas/VerifyReport\"}}}}}"));
	json_object_set_new(s, "FederationNode", obj_schema(
		"{\"node_id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"name_en\":{\"type\":\"string\"},"
		"\"issuer\":{\"type\":\"string\",\"description\":\"the credit bank's did:web\"},"
		"\"base_url\":{\"type\":\"string\"},\"keys\":{\"type\":\"array\",\"description\":\"Ed25519 JWKs, "
		"newest first\",\"items\":{\"type\":\"object\"}}}"));
	json_object_set_new(s, "FederationPeer", obj_schema(
		"{\"node_id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"base_url\":{\"type\":\"string\"},"
		"\"keys\":{\"type\":\"array\",\"description\":\"the pinned keys as JWKs, kid their RFC 7638 "
		"thumbprints\",\"items\":{\"type\":\"object\"}},"
		"\"status\":{\"type\":\"string\",\"enum\":[\"active\",\"suspended\"]},"
		"\"created_at\":{\"type\":\"string\"},\"updated_at\":{\"type\":\"string\"}}"));
	json_object_set_new(s, "FederationStats", obj_schema(
		"{\"node_id\":{\"type\":\"string\"},\"as_of\":{\"type\":\"string\"},"
		"\"accounts\":{\"type\":\"object\",\"properties\":{\"total\":{\"type\":\"integer\"},"
		"\"activated\":{\"type\":\"integer\"}}},"
		"\"outcomes\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		"\"kind\":{\"type\":\"string\"},\"count\":{\"type\":\"integer\"}}}},"
		"\"transfers\":{\"type\":\"object\",\"properties\":{\"approved\":{\"type\":\"integer\"},"
		"\"credits\":{\"type\":\"number\"}}}}"));
	json_object_set_new(s, "FederationRegion", obj_schema(
		"{\"as_of\":{\"type\":\"string\"},\"nodes\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
		"\"properties\":{\"node_id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},"
		"\"is_self\":{\"type\":\"boolean\"},\"state\":{\"type\":\"string\",\"enum\":[\"ok\",\"suspended\","
		"\"unreachable\",\"refused\",\"bad_signature\"]},"
		"\"stats\":{\"$ref\":\"#/components/schemas/FederationStats\"},\"error\":{\"type\":\"string\"}}}},"
		"\"totals\":{\"type\":\"object\",\"description\":\"the sums over the nodes whose statistics came\"}}"));
	json_object_set_new(s, "FederationRecords", obj_schema(
		"{\"node_id\":{\"type\":\"string\"},\"subject\":{\"type\":\"string\"},\"fetch_id\":{\"type\":\"string\"},"
		"\"ledger_key\":{\"type\":\"string\",\"description\":\"the x of the Ed25519 key that signs this node's "
		"ledger tree heads\"},\"next\":{\"type\":[\"integer\",\"null\"],\"description\":\"after of the next page; "
		"null at the end\"},\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		"\"outcome_id\":{\"type\":\"string\"},\"entry_id\":{\"type\":\"string\"},"
		"\"jws\":{\"type\":\"string\",\"description\":\"the outcome's Open Badges credential\"}}}}}"));
	json_object_set_new(s, "FederationFetch", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"node_id\":{\"type\":\"string\"},\"name\":{\"type\":[\"string\",\"null\"]},"
		"\"purpose\":{\"type\":\"string\"},\"consent_until\":{\"type\":\"string\"},"
		"\"state\":{\"type\":\"string\",\"enum\":[\"queued\",\"running\",\"retrying\",\"done\",\"failed\","
		"\"withdrawn\",\"expired\"]},\"received\":{\"type\":\"integer\"},\"imported\":{\"type\":\"integer\","
		"\"description\":\"records new or changed here\"},\"attempts\":{\"type\":\"integer\"},"
		"\"next_at\":{\"type\":[\"string\",\"null\"]},\"last_error\":{\"type\":[\"string\",\"null\"]},"
		"\"created_at\":{\"type\":\"string\"},\"updated_at\":{\"type\":\"string\"},"
		"\"finished_at\":{\"type\":[\"string\",\"null\"]}}"));
	json_object_set_new(s, "FederationFetches", obj_schema(
		"{\"node_id\":{\"type\":\"string\"},\"can_exchange\":{\"type\":\"boolean\",\"description\":\"this node "
		"holds the regional look-up key\"},\"peers\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
		"\"properties\":{\"node_id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"}}}},"
		"\"items\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/FederationFetch\"}}}"));
	json_object_set_new(s, "ExternalOutcome", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"node_id\":{\"type\":\"string\"},\"node_name\":{\"type\":[\"string\",\"null\"]},"
		"\"outcome_id\":{\"type\":\"string\"},\"entry_id\":{\"type\":\"string\"},"
		"\"credential_id\":{\"type\":\"string\"},\"kid\":{\"type\":\"string\"},\"kind\":{\"type\":\"string\"},"
		"\"title\":{\"type\":\"string\"},\"code\":{\"type\":[\"string\",\"null\"]},"
		"\"institution\":{\"type\":[\"string\",\"null\"]},"
		"\"level\":{\"type\":[\"integer\",\"null\"]},\"credits\":{\"type\":[\"number\",\"null\"]},"
		"\"hours\":{\"type\":[\"number\",\"null\"]},\"result\":{\"type\":[\"string\",\"null\"]},"
		"\"awarded_on\":{\"type\":\"string\"},\"imported_at\":{\"type\":\"string\"},"
		"\"fetch_id\":{\"type\":\"string\"},\"jws\":{\"type\":\"string\",\"description\":\"one outcome only: "
		"its credential as the other credit bank signed it\"}}"));
	json_object_set_new(s, "ExternalOutcomes", obj_schema(
		"{\"total\":{\"type\":\"integer\"},\"items\":{\"type\":\"array\",\"items\":"
		"{\"$ref\":\"#/components/schemas/ExternalOutcome\"}}}"));
	json_object_set_new(s, "FederationAccess", obj_schema(
		"{\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		"\"node_id\":{\"type\":\"string\"},\"name\":{\"type\":[\"string\",\"null\"]},"
		"\"direction\":{\"type\":\"string\",\"enum\":[\"out\",\"in\"]},\"purpose\":{\"type\":\"string\"},"
		"\"consent_until\":{\"type\":\"string\"},\"requests\":{\"type\":\"integer\"},"
		"\"records\":{\"type\":\"integer\"},\"first_at\":{\"type\":\"string\"},"
		"\"last_at\":{\"type\":\"string\"}}}}}"));
	json_object_set_new(s, "FederationRecognition", obj_schema(
		"{\"node_id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"as_of\":{\"type\":\"string\"},"
		"\"agreements\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		"\"node_id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"status\":{\"type\":\"string\"},"
		"\"rule_ids\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}},"
		"\"rules\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		"\"id\":{\"type\":\"string\"},\"version\":{\"type\":\"integer\"},\"programme\":{\"type\":\"object\"},"
		"\"rule\":{\"type\":\"object\",\"description\":\"the rule's body: conditions (with from_nodes) and grants\"},"
		"\"recognises\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
		"\"approved_at\":{\"type\":[\"string\",\"null\"]}}}}}"));
	json_object_set_new(s, "FederationPeers", obj_schema(
		"{\"items\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/FederationPeer\"}}}"));
	json_object_set_new(s, "TreeHead", obj_schema(
		"{\"tree_size\":{\"type\":\"integer\"},\"timestamp\":{\"type\":\"string\"},"
		"\"timestamp_us\":{\"type\":\"integer\"},\"root_hash\":{\"type\":\"string\"},"
		"\"signature\":{\"type\":\"string\"},\"public_key\":{\"type\":\"string\"},"
		"\"algorithm\":{\"type\":\"string\"}}"));
	json_object_set_new(s, "Entry", obj_schema(
		"{\"entry\":{\"type\":\"object\",\"description\":\"every field of the entry; its hash is SHA-256(0x00 || "
		"the entry without entry_hash, created_at and created_at_us, with created_at_us as created_at, as JSON with "
		"sorted keys and no spaces)\"},\"leaf_index\":{\"type\":\"integer\"},"
		"\"tree_head\":{\"$ref\":\"#/components/schemas/TreeHead\"},"
		"\"inclusion_proof\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}"));
	json_object_set_new(s, "Consistency", obj_schema(
		"{\"first\":{\"type\":\"integer\"},\"second\":{\"type\":\"integer\"},"
		"\"consistency_proof\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}"));
	json_object_set_new(s, "Transcript", obj_schema(
		"{\"person\":{\"type\":\"object\"},\"generated_at\":{\"type\":\"string\"},"
		"\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},\"totals\":{\"type\":\"object\"},"
		"\"by_kind\":{\"type\":\"array\"},\"by_level\":{\"type\":\"array\"},\"by_year\":{\"type\":\"array\"}}"));
	json_object_set_new(s, "ImportJob", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"status\":{\"type\":\"string\",\"enum\":[\"queued\",\"validating\","
		"\"writing\",\"done\",\"rejected\",\"failed\"]},\"mode\":{\"type\":\"string\"},\"format\":{\"type\":\"string\"},"
		"\"percent\":{\"type\":\"integer\"},\"rows_per_s\":{\"type\":\"integer\"},\"rows_read\":{\"type\":\"integer\"},"
		"\"rows_stored\":{\"type\":\"integer\"},\"rows_pending\":{\"type\":\"integer\"},"
		"\"rows_existing\":{\"type\":\"integer\"},\"rows_rejected\":{\"type\":\"integer\"},"
		"\"error\":{\"type\":[\"string\",\"null\"]}}"));
	json_object_set_new(s, "CheckinMonth", obj_schema(
		"{\"month\":{\"type\":\"string\"},\"today\":{\"type\":\"string\"},"
		"\"days\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},\"streak\":{\"type\":\"object\","
		"\"properties\":{\"current\":{\"type\":\"integer\"},\"longest\":{\"type\":\"integer\"},"
		"\"total_days\":{\"type\":\"integer\"},\"is_checked_in_today\":{\"type\":\"boolean\"}}}}"));
	json_object_set_new(s, "Checkin", obj_schema(
		"{\"date\":{\"type\":\"string\"},\"source\":{\"type\":\"string\",\"enum\":[\"statement\",\"manual\","
		"\"site\"]},\"is_new\":{\"type\":\"boolean\"},\"site\":{\"type\":[\"object\",\"null\"]}}"));
	json_object_set_new(s, "CheckinSite", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"name_en\":{\"type\":\"string\"},"
		"\"address\":{\"type\":\"string\"},\"is_active\":{\"type\":\"boolean\"},"
		"\"institution\":{\"type\":\"object\"}}"));
	json_object_set_new(s, "CheckinCode", obj_schema(
		"{\"site\":{\"$ref\":\"#/components/schemas/CheckinSite\"},\"date\":{\"type\":\"string\"},"
		"\"code\":{\"type\":\"string\"},\"path\":{\"type\":\"string\"}}"));
	json_object_set_new(s, "PointsRule", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"event\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},"
		"\"points\":{\"type\":\"integer\"},\"points_per_hour\":{\"type\":\"integer\"},"
		"\"daily_cap\":{\"type\":[\"integer\",\"null\"]},\"is_active\":{\"type\":\"boolean\"}}"));
	json_object_set_new(s, "PointsBalances", obj_schema(
		"{\"balances\":{\"type\":\"object\",\"properties\":{\"academic\":{\"type\":\"integer\"},"
		"\"vocational\":{\"type\":\"integer\"},\"community\":{\"type\":\"integer\"},"
		"\"elder\":{\"type\":\"integer\"}}},\"total\":{\"type\":\"integer\"}}"));
	json_object_set_new(s, "Incentive", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"kind\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},"
		"\"edu_type\":{\"type\":\"string\"},\"cost\":{\"type\":\"integer\"},\"stock\":{\"type\":\"integer\"},"
		"\"expires_at\":{\"type\":[\"string\",\"null\"]},\"is_active\":{\"type\":\"boolean\"},"
		"\"is_available\":{\"type\":\"boolean\"},\"institution\":{\"type\":\"object\"}}"));
	json_object_set_new(s, "Voucher", obj_schema(
		"{\"id\":{\"type\":\"string\"},\"code\":{\"type\":\"string\"},\"cost\":{\"type\":\"integer\"},"
		"\"status\":{\"type\":\"string\",\"enum\":[\"unused\",\"used\",\"expired\"]},"
		"\"expires_at\":{\"type\":[\"string\",\"null\"]},\"used_at\":{\"type\":[\"string\",\"null\"]},"
		"\"incentive\":{\"type\":\"object\"}}"));
	json_object_set_new(s, "Svg", json_pack("{s:s}", "type", "string"));
	json_object_set_new(s, "Png", json_pack("{s:s, s:s}", "type", "string", "format", "binary"));
	json_object_set_new(s, "ClaimCodeRequest", obj_schema(
		"{\"agent\":{\"type\":\"object\",\"description\":\"an xAPI agent with one identifier (mbox, "
		"mbox_sha1sum, openid or account) that is not a lifelong account\"}}"));
	json_object_set_new(s, "ClaimCode", obj_schema(
		"{\"code\":{\"type\":\"string\"},\"expires_at\":{\"type\":\"string\"}}"));
	json_object_set_new(s, "Claim", obj_schema(
		"{\"agent\":{\"type\":\"string\"},\"statements\":{\"type\":\"integer\"}}"));
	json_object_set_new(s, "Csv", json_pack("{s:s}", "type", "string"));
	json_object_set_new(s, "Binary", json_pack("{s:s, s:s}", "type", "string", "format", "binary"));
	json_object_set_new(s, "Text", json_pack("{s:s}", "type", "string"));
	json_object_set_new(s, "OpenAPI", json_pack("{s:s}", "type", "object"));
	return s;
}

/* "/api/v1/institutions/{id}" has one parameter "id". */
static json_t *path_parameters(const char *path)
{
	json_t *params = json_array();
	for (const char *p = strchr(path, '{'); p; p = strchr(p + 1, '{')) {
		const char *end = strchr(p, '}');
		if (!end)
			break;
		json_array_append_new(params, json_pack("{s:s%, s:s, s:b, s:{s:s}}", "name", p + 1, (size_t)(end - p - 1),
							"in", "path", "required", 1, "schema", "type", "string"));
	}
	return params;
}

static const char *method_key(const char *m)
{
	static const char *const keys[][2] = { { "GET", "get" }, { "POST", "post" }, { "PUT", "put" },
					      { "DELETE", "delete" }, { "PATCH", "patch" }, { "HEAD", "head" } };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i][0], m) == 0)
			return keys[i][1];
	return "get";
}

json_t *openapi_document(void)
{
	json_t *paths = json_object();
	for (size_t i = 0; i < routes_count; i++) {
		const struct route *r = &routes[i];
		if (r->is_hidden)
			continue;
		json_t *item = json_object_get(paths, r->path);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, r->path, item);
		}
		json_t *op = json_object();
		json_object_set_new(op, "summary", json_string(r->summary ? r->summary : r->path));
		json_object_set_new(op, "operationId",
				    json_sprintf("%s_%s", method_key(r->method), r->path));
		if (r->tag)
			json_object_set_new(op, "tags", json_pack("[s]", r->tag));
		json_t *roles = json_array();
		for (int k = 0; k < ROLE_COUNT; k++)
			if (r->roles & (unsigned)role_at(k))
				json_array_append_new(roles, json_string(role_name(role_at(k))));
		json_object_set_new(op, "x-roles", roles);
		if (r->security)
			json_object_set_new(op, "security", json_pack("[{s:[]}]", r->security));
		else if (r->roles)
			json_object_set_new(op, "security", json_pack("[{s:[]}, {s:[]}]", "cookie", "bearer"));
		else
			json_object_set_new(op, "security", json_array());
		json_t *params = path_parameters(r->path);
		if (json_array_size(params))
			json_object_set_new(op, "parameters", params);
		else
			json_decref(params);
		if (r->body_spec)
			json_object_set_new(op, "requestBody",
					    json_pack("{s:b, s:{s:{s:o}}}", "required", 1, "content", "application/json",
						      "schema", json_spec_schema(r->body_spec)));
		else if (r->body_schema)
			json_object_set_new(op, "requestBody",
					    json_pack("{s:b, s:{s:{s:o}}}", "required", 1, "content", "application/json",
						      "schema", ref(r->body_schema)));
		else if (r->body_media)
			json_object_set_new(op, "requestBody",
					    json_pack("{s:b, s:s, s:{s:{s:{s:s, s:s}}}}", "required", 1, "description",
						      r->body_media, "content", "application/octet-stream", "schema", "type",
						      "string", "format", "binary"));
		json_t *responses = json_object();
		int ok = r->ok_status ? r->ok_status : 200;
		char code[8];
		snprintf(code, sizeof(code), "%d", ok);
		if (ok == 204) {
			json_object_set_new(responses, code, json_pack("{s:s}", "description", "done"));
		} else {
			const char *resp = r->response ? r->response : "Items";
			const char *ctype = strcmp(resp, "Text") == 0     ? "text/plain"
					    : strcmp(resp, "Csv") == 0    ? "text/csv"
					    : strcmp(resp, "Binary") == 0 ? "application/octet-stream"
					    : strcmp(resp, "Svg") == 0    ? "image/svg+xml"
					    : strcmp(resp, "Png") == 0    ? "image/png"
					    : strcmp(resp, "Jws") == 0    ? "application/vc+jwt"
									  : "application/json";
			json_object_set_new(responses, code,
					    json_pack("{s:s, s:{s:{s:o}}}", "description", "success", "content", ctype,
						      "schema", ref(r->response ? r->response : "Items")));
		}
		json_object_set_new(responses, "default",
				    json_pack("{s:s, s:{s:{s:o}}}", "description", "error", "content", "application/json",
					      "schema", ref("Error")));
		json_object_set_new(op, "responses", responses);
		json_object_set_new(item, method_key(r->method), op);
	}
	json_t *doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:o}", "openapi", "3.1.0", "info", "title", "Lifelong API",
				"version", "1", "description",
				"Shanghai lifelong learning platform: accounts, institutions, sign-in and the credit bank.",
				"paths", paths);
	json_object_set_new(doc, "components",
			    json_pack("{s:o, s:{s:{s:s, s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s}}}",
				      "schemas", components(), "securitySchemes", "cookie", "type", "apiKey", "in", "cookie",
				      "name", "ll_session", "bearer", "type", "http", "scheme", "bearer", "xapiBasic", "type",
				      "http", "scheme", "basic", "description",
				      "xAPI clients: the key and secret an institution issued (POST /api/v1/lrs/clients)",
				      "nodeSignature", "type", "apiKey", "in", "header", "name", "Signature", "description",
				      "a peer credit bank's HTTP Message Signature (RFC 9421, Ed25519) by a key this node "
				      "pinned, labelled sig1, with keyid <node id>#<key thumbprint>, a nonce, and created "
				      "within five minutes (docs/federation.md)"));
	return doc;
}

enum ll_err ops_http_openapi(struct http_req *req)
{
	http_reply(req, 200, openapi_document());
	return LL_OK;
}
