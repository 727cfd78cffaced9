/*
 * HTTP of shares: a citizen's shares (make, list, one with its views, end, QR code of the link),
 * and the employer's opening of a link (public, its guesses limited per address).
 */
#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/buf.h"
#include "../base/clock.h"
#include "../base/qr.h"
#include "../http/auth_http.h"
#include "../http/guesses.h"
#include "../http/http.h"
#include "credentials.h"

#define QR_PNG_SCALE 8
#define USER_AGENT_MAX 300

enum ll_err cred_http_share_create(struct http_req *req)
{
	const char *pid = NULL;
	struct cred_share_in in = { 0 };
	json_t *root = NULL, *share = NULL;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = http_body(req, &in, &root);
	if (err == LL_OK)
		err = cred_share_create(req->app->st, req->app->keys, req->app->issuer, pid, &in, clock_now_us(), &share);
	json_decref(root);
	if (err == LL_OK)
		http_reply(req, 201, share);
	return err;
}

enum ll_err cred_http_share_list(struct http_req *req)
{
	const char *pid = NULL;
	json_t *page = NULL;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = cred_share_list(req->app->st, req->app->keys, req->app->issuer, pid, clock_now_us(), &page);
	if (err == LL_OK)
		http_reply(req, 200, page);
	return err;
}

enum ll_err cred_http_share_get(struct http_req *req)
{
	const char *pid = NULL;
	json_t *share = NULL;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = cred_share_get(req->app->st, req->app->keys, req->app->issuer, pid, http_param(req, "id"),
				     clock_now_us(), &share);
	if (err == LL_OK)
		http_reply(req, 200, share);
	return err;
}

enum ll_err cred_http_share_end(struct http_req *req)
{
	const char *pid = NULL;
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = cred_share_end(req->app->st, pid, http_param(req, "id"), clock_now_us());
	if (err == LL_OK)
		http_reply(req, 204, NULL);
	return err;
}

/* The share's link as a QR code, made by make. */
static enum ll_err share_qr(struct http_req *req, const char *content_type, bool is_png)
{
	const char *pid = NULL;
	char url[CRED_URL_MAX];
	enum ll_err err = http_my_person(req, &pid);
	if (err == LL_OK)
		err = cred_share_link(req->app->st, req->app->keys, req->app->issuer, pid, http_param(req, "id"), url);
	if (err != LL_OK)
		return err;
	struct buf image;
	buf_init(&image);
	err = is_png ? qr_png(url, QR_PNG_SCALE, &image) : qr_svg(url, &image);
	char *body = err == LL_OK ? arena_memdup(&req->arena, image.data, image.len) : NULL;
	if (err == LL_OK && !body)
		err = ll_fail(LL_ARENA_FULL, NULL, NULL);
	if (err == LL_OK) {
		http_reply_raw(req, 200, content_type, body, image.len);
		http_add_header(req, "Cache-Control", "private, max-age=3600");
	}
	buf_release(&image);
	return err;
}

enum ll_err cred_http_share_qr_svg(struct http_req *req)
{
	return share_qr(req, "image/svg+xml", false);
}

enum ll_err cred_http_share_qr_png(struct http_req *req)
{
	return share_qr(req, "image/png", true);
}

enum ll_err cred_http_shared(struct http_req *req)
{
	int64_t now = clock_now_us();
	int wait_s = 0;
	http_add_header(req, "Cache-Control", "no-store");
	if (!guess_limit_allows(req->app->share_guesses, req->ip, now, &wait_s)) {
		ll_fail(LL_TOO_MANY_GUESSES, NULL, "too many unknown share links from this address; try in %d s", wait_s);
		return ll_fail_retry_after(wait_s);
	}
	/* The user agent as the person will read it: printable ASCII, what a browser sends, at most
	 * USER_AGENT_MAX characters; anything else in it becomes '?'. */
	const char *agent = http_header(req, "User-Agent");
	char *short_agent = agent ? arena_printf(&req->arena, "%.*s", USER_AGENT_MAX, agent) : NULL;
	for (char *c = short_agent; c && *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
	const struct cred_share_visit visit = { req->ip, short_agent, now };
	json_t *shared = NULL;
	enum ll_err err =
		cred_share_open(req->app->st, req->app->keys, req->app->issuer, http_param(req, "token"), &visit, &shared);
	if (err == LL_NOT_FOUND)
		guess_limit_fail(req->app->share_guesses, req->ip, now);
	if (err == LL_OK)
		http_reply(req, 200, shared);
	return err;
}
