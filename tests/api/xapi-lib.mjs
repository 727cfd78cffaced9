// What the xAPI scenarios share: a learning platform's client of the LRS at /xapi.
import { BASE } from './lib.mjs';

const VERSION = '1.0.3';

// A learning platform's xAPI client: fetch with Basic credentials and the version header.
export class Xapi {
  constructor(key, secret) {
    this.auth = key ? `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}` : null;
  }

  async request(method, path, { body, headers = {}, version = VERSION, raw } = {}) {
    const h = { ...headers };
    if (version) h['X-Experience-API-Version'] = version;
    if (this.auth) h.Authorization = this.auth;
    let payload;
    if (raw !== undefined) payload = raw;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(`${BASE}${path}`, { method, headers: h, body: payload });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  get(path, opts) {
    return this.request('GET', path, opts);
  }

  post(path, body, opts = {}) {
    return this.request('POST', path, { ...opts, body });
  }

  put(path, body, opts = {}) {
    return this.request('PUT', path, { ...opts, body });
  }
}
