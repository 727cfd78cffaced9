/*
 * Operational routes: health, Prometheus metrics and the OpenAPI description built from the
 * route table.
 */
#ifndef LL_OPS_H
#define LL_OPS_H

#include "http.h"

enum ll_err ops_http_health(struct http_req *req);
enum ll_err ops_http_metrics(struct http_req *req);
enum ll_err ops_http_openapi(struct http_req *req);

/* The OpenAPI 3.1 document for the route table. Caller owns the reference. */
json_t *openapi_document(void);

#endif
