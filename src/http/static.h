/*
 * The built web portal: files under app->web_dir served by GET, with the single-page fallback to
 * index.html for paths that are not files. Never serves anything outside web_dir.
 */
#ifndef LL_STATIC_H
#define LL_STATIC_H

#include "http.h"

/* Answers req from the portal's files; LL_NOT_FOUND when there is no portal or no such file. */
enum ll_err static_serve(struct http_req *req);

/* True if path is safe to join below a folder: starts with '/', no "..", no NUL, no backslash. */
bool static_path_is_safe(const char *path);

#endif
