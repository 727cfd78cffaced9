/*
 * Static files. The whole file is read into the request's arena (portal files are small); hashed
 * asset names under /assets/ are cached for a year, everything else revalidates.
 */
#include "static.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATIC_MAX_FILE (8u << 20)
/* The portal loads only its own scripts; Element Plus sets inline styles, ECharts draws on canvas. */
#define PORTAL_CSP                                                                                      \
	"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " \
	"font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

static const struct {
	const char *ext;
	const char *type;
} mime_types[] = {
	{ ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json" }, { ".svg", "image/svg+xml" }, { ".png", "image/png" },
	{ ".jpg", "image/jpeg" }, { ".ico", "image/x-icon" }, { ".woff2", "font/woff2" },
	{ ".woff", "font/woff" }, { ".ttf", "font/ttf" }, { ".txt", "text/plain; charset=utf-8" },
	{ ".webmanifest", "application/manifest+json" }, { ".map", "application/json" },
};

static const char *mime_for(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot)
		for (size_t i = 0; i < sizeof(mime_types) / sizeof(mime_types[0]); i++)
			if (strcmp(dot, mime_types[i].ext) == 0)
				return mime_types[i].type;
	return "application/octet-stream";
}

bool static_path_is_safe(const char *path)
{
	if (path[0] != '/' || strstr(path, "..") || strchr(path, '\\'))
		return false;
	return true;
}

/* Reads a regular file into the arena; false if absent, not regular or too large. */
static bool read_file(struct http_req *req, const char *full, char **ret_data, size_t *ret_len)
{
	int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	struct stat st;
	bool ok = false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= STATIC_MAX_FILE) {
		size_t len = (size_t)st.st_size;
		char *data = arena_alloc(&req->arena, len + 1);
		size_t got = 0;
		while (data && got < len) {
			ssize_t n = read(fd, data + got, len - got);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (data && got == len) {
			*ret_data = data;
			*ret_len = len;
			ok = true;
		}
	}
	close(fd);
	return ok;
}

enum ll_err static_serve(struct http_req *req)
{
	const char *dir = req->app->web_dir;
	if (!dir || !static_path_is_safe(req->path))
		return ll_fail(LL_NOT_FOUND, "path", "no such page");
	const char *rel = strcmp(req->path, "/") == 0 ? "/index.html" : req->path;
	char *full = arena_printf(&req->arena, "%s%s", dir, rel);
	char *data;
	size_t len;
	if (full && read_file(req, full, &data, &len)) {
		http_reply_raw(req, 200, mime_for(rel), data, len);
		http_add_header(req, "Cache-Control", strncmp(rel, "/assets/", 8) == 0
							  ? "public, max-age=31536000, immutable" : "no-cache");
		if (strcmp(mime_for(rel), "text/html; charset=utf-8") == 0)
			http_add_header(req, "Content-Security-Policy", PORTAL_CSP);
		return LL_OK;
	}
	/* A path with an extension is a missing file; anything else is a portal route. */
	const char *last = strrchr(rel, '/');
	if (last && strchr(last, '.'))
		return ll_fail(LL_NOT_FOUND, "path", "no such file");
	full = arena_printf(&req->arena, "%s/index.html", dir);
	if (full && read_file(req, full, &data, &len)) {
		http_reply_raw(req, 200, "text/html; charset=utf-8", data, len);
		http_add_header(req, "Cache-Control", "no-cache");
		http_add_header(req, "Content-Security-Policy", PORTAL_CSP);
		return LL_OK;
	}
	return ll_fail(LL_NOT_FOUND, "path", "no such page");
}
