/* HTTP handlers of the audit and access logs: decode paging, authorise by role, encode. */
#include "audit.h"

#include "../http/auth_http.h"
#include "../http/http.h"

enum ll_err audit_http_list(struct http_req *req)
{
	int64_t limit, before;
	enum ll_err err = http_query_int(req, "limit", 50, 1, 500, &limit);
	if (err == LL_OK)
		err = http_query_int(req, "before", 0, 0, INT64_MAX, &before);
	json_t *page = NULL;
	if (err == LL_OK)
		err = audit_list(req->app->st, http_query(req, "target_type"), http_query(req, "target_id"), before,
				 (int)limit, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

enum ll_err audit_http_my_access_log(struct http_req *req)
{
	int64_t limit, before;
	const char *pid;
	enum ll_err err = http_my_person(req, &pid);
	if (err != LL_OK)
		return err;
	err = http_query_int(req, "limit", 50, 1, 500, &limit);
	if (err == LL_OK)
		err = http_query_int(req, "before", 0, 0, INT64_MAX, &before);
	json_t *page = NULL;
	if (err == LL_OK)
		err = audit_pii_list(req->app->st, pid, before, (int)limit, &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}
