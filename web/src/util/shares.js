// 求职认证 (sharing chosen outcomes with an employer by a link): the limits the API sets, the
// calendar days of Beijing the expiry is chosen in, and a device in words from a view's User-Agent.
import { i18n } from '../i18n.js';

export const MAX_OUTCOMES = 20; // outcomes in one share
export const MAX_DAYS = 365; // how far ahead a share may expire
export const DEFAULT_DAYS = 30; // the expiry offered

const DAY_MS = 86400000;

// Today's calendar day in Beijing, where the credit bank's dates are: "2025-06-15".
export function beijingToday(now = new Date()) {
  return new Date(now.getTime() + 8 * 3600000).toISOString().slice(0, 10);
}

// The calendar day n days after day ("YYYY-MM-DD").
export function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d) + n * DAY_MS).toISOString().slice(0, 10);
}

// The moment a share chosen to last until day ends: the end of that day in Beijing, but never
// more than MAX_DAYS from now (less a minute, for the clocks of the browser and the server), the
// most the API takes. RFC 3339.
export function expiresAtOf(day, now = Date.now()) {
  const end = Date.parse(`${day}T23:59:59+08:00`);
  const most = now + MAX_DAYS * DAY_MS - 60000;
  return new Date(Math.min(end, most)).toISOString();
}

// A browser and its system in a few words ("Chrome · Android", "WeChat · iOS") from a User-Agent
// header; '' when nothing is recognised.
export function agentText(ua) {
  const s = String(ua || '');
  if (!s) return '';
  const t = i18n.global.t;
  const browser = /MicroMessenger/i.test(s)
    ? t('credentialShares.wechat')
    : /Edg(e|A|iOS)?\//.test(s)
      ? 'Edge'
      : /HeadlessChrome\//.test(s)
        ? 'Chrome (headless)'
        : /(Chrome|CriOS)\//.test(s)
          ? 'Chrome'
          : /(Firefox|FxiOS)\//.test(s)
            ? 'Firefox'
            : /Safari\//.test(s)
              ? 'Safari'
              : /curl\//i.test(s)
                ? 'curl'
                : '';
  const system = /HarmonyOS|OpenHarmony/i.test(s)
    ? 'HarmonyOS'
    : /Android/.test(s)
      ? 'Android'
      : /iPhone|iPad|iPod/.test(s)
        ? 'iOS'
        : /Windows/.test(s)
          ? 'Windows'
          : /Mac OS X|Macintosh/.test(s)
            ? 'macOS'
            : /Linux|X11/.test(s)
              ? 'Linux'
              : '';
  const parts = [browser, system].filter(Boolean);
  return parts.length ? parts.join(' · ') : s.slice(0, 60);
}
