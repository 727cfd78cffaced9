// A thin wrapper over fetch for the Lifelong API: JSON in and out (or a raw body: a file), the
// session cookie, the CSRF header on every write, and error bodies
// ({"error":{"code","message","field"}}) turned into ApiError exceptions.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message || code || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status; // HTTP status, 0 for a network failure
    this.code = code || 'http_' + status;
    this.field = field || null;
  }
}

let csrfToken = null;
const listeners = new Set();

export function setCsrfToken(t) {
  csrfToken = t || null;
}

// Called with the ApiError when a request finds the session gone (401 unauthenticated).
export function onUnauthenticated(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// body is sent as JSON, unless contentType is given: then it is sent as it is (a File, a Blob, a
// string) with that Content-Type.
export async function request(method, path, body, { query, signal, contentType } = {}) {
  let url = path.startsWith('/') ? path : '/api/v1/' + path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const s = q.toString();
    if (s) url += (url.includes('?') ? '&' : '?') + s;
  }
  const raw = contentType !== undefined;
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = raw ? contentType || 'application/octet-stream' : 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', e && e.message);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    const err = new ApiError(res.status, e.code, e.message || res.statusText, e.field);
    if (res.status === 401 && err.code === 'unauthenticated') listeners.forEach((fn) => fn(err));
    throw err;
  }
  return data;
}

// POSTs a file, a Blob or a string as the raw body with its Content-Type (and the CSRF header):
// upload('ledger/evidence', file, file.type, { query: { name: file.name } }).
export function upload(path, body, contentType, opts) {
  return request('POST', path, body, { ...opts, contentType: contentType || 'application/octet-stream' });
}

export const api = {
  get: (path, query, opts) => request('GET', path, undefined, { ...opts, query }),
  post: (path, body, opts) => request('POST', path, body ?? {}, opts),
  put: (path, body, opts) => request('PUT', path, body ?? {}, opts),
  del: (path, opts) => request('DELETE', path, undefined, opts),
  upload,
};

export default api;
