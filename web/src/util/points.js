// Check-ins (学习打卡) and points (积分) in the portal: the names of education types, check-in
// sources, earning events and incentive kinds; the month calendar of the check-in page; the
// words for the points API's refusals; and a fresh request id for a redemption. It sends nothing
// itself (docs/points.md describes the API).
import { i18n } from '../i18n.js';
import { errorText } from './format.js';
import { dayKey } from './xapi.js';

const t = (k, p) => i18n.global.t(k, p);
const te = (k) => i18n.global.te(k);
const lang = () => i18n.global.locale.value;

// In the server's order (src/points/points.h).
export const EDU_TYPES = ['academic', 'vocational', 'community', 'elder'];
export const CHECKIN_SOURCES = ['statement', 'manual', 'site'];
export const EVENTS = ['checkin', 'completion', 'outcome'];
export const INCENTIVE_KINDS = ['course_voucher', 'venue_visit', 'other'];
export const VOUCHER_STATUSES = ['unused', 'used', 'expired'];

// The caps the server puts on what the forms send.
export const POINTS_LIMITS = { name: 100, address: 200, note: 200, description: 1000, award: 100000, level: 10, stock: 1000000000, cost: 1000000, code: 20 };

function named(prefix, v) {
  const k = prefix + v;
  return v && te(k) ? t(k) : v || '';
}
export const eduTypeName = (type) => named('points.eduTypes.', type);
export const sourceName = (s) => named('points.sources.', s);
export const eventName = (e) => named('points.events.', e);
export const incentiveKindName = (k) => named('points.incentiveKinds.', k);
export const voucherStatusName = (s) => named('points.voucherStatus.', s);

// The name of a thing that has one in Chinese and maybe one in English (name, name_en), in the
// page's language.
export function localName(o, field = 'name') {
  if (!o) return '';
  if (lang() === 'en' && o[field + '_en']) return o[field + '_en'];
  return o[field] || o[field + '_en'] || '';
}

// The words for an error of the points API: the refusals of docs/points.md in plain words, else
// the portal's usual words for the code.
export function pointsErrorText(e) {
  if (e && e.code && te('points.errors.' + e.code)) return t('points.errors.' + e.code);
  return errorText(e);
}

// "+5" / "−30": the points of a statement line, signed.
export function signedPoints(n) {
  const v = Number(n) || 0;
  const abs = i18n.global.n(Math.abs(v));
  return v > 0 ? '+' + abs : v < 0 ? '−' + abs : abs;
}

// ---- days and months (Beijing time, as the server counts them) ----

// Today in Beijing as "2026-11-24", whatever the device's time zone.
export const todayKey = (now = new Date()) => dayKey(now);

// "2026-11" moved by delta months.
export function shiftMonth(month, delta) {
  const [y, m] = month.split('-').map(Number);
  const i = y * 12 + (m - 1) + delta;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

// "2026年11月" / "November 2026".
export function monthTitle(month) {
  const [y, m] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(lang() === 'en' ? 'en-GB' : 'zh-CN', { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, 1)),
  );
}

// The weekday names of the calendar's columns, Monday first as Chinese calendars are.
export function weekdayNames(style = 'short') {
  const f = new Intl.DateTimeFormat(lang() === 'en' ? 'en-GB' : 'zh-CN', { weekday: style, timeZone: 'UTC' });
  // 2024-01-01 was a Monday.
  return Array.from({ length: 7 }, (_, i) => f.format(new Date(Date.UTC(2024, 0, 1 + i))));
}

// The month as weeks of seven cells, Monday first: { date: "2026-11-03", day: 3 } or null for a
// cell outside the month.
export function monthWeeks(month) {
  const [y, m] = month.split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1, 1));
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const lead = (first.getUTCDay() + 6) % 7;
  const cells = Array.from({ length: lead }, () => null);
  for (let d = 1; d <= days; d++) cells.push({ date: `${month}-${String(d).padStart(2, '0')}`, day: d });
  while (cells.length % 7) cells.push(null);
  const weeks = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

// "11月24日 星期二" / "Tuesday 24 November" for a day key, for a calendar cell's label.
export function dayLabel(key) {
  const [y, m, d] = key.split('-').map(Number);
  return new Intl.DateTimeFormat(lang() === 'en' ? 'en-GB' : 'zh-CN', { month: 'long', day: 'numeric', weekday: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

// A random UUID (v4) for a redemption's request_id: crypto.randomUUID where the page is a secure
// context, else built from crypto.getRandomValues (which every context has).
export function newRequestId() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// A voucher's status as the person reads it: the server's, or "expired" when an unused one is
// past its expiry.
export function voucherStatus(v, now = Date.now()) {
  if (!v) return '';
  const s = v.status || (v.used_at ? 'used' : 'unused');
  if (s === 'unused' && v.expires_at && new Date(v.expires_at).getTime() < now) return 'expired';
  return s;
}

// ---- the API's answers as the pages use them ----

// GET /api/v1/me/points -> { total, byType: { academic: n, … } } (every type present).
export function balancesOf(r) {
  const byType = Object.fromEntries(EDU_TYPES.map((k) => [k, 0]));
  if (!r) return { total: 0, byType };
  const src = r.balances || r.by_type || r;
  if (Array.isArray(src)) {
    for (const b of src) if (b && b.edu_type in byType) byType[b.edu_type] = Number(b.balance ?? b.points ?? 0);
  } else if (src && typeof src === 'object') {
    for (const k of EDU_TYPES) if (k in src) byType[k] = Number(typeof src[k] === 'object' && src[k] ? src[k].balance ?? src[k].points ?? 0 : src[k]) || 0;
  }
  const total = r.total !== undefined ? Number(r.total) : EDU_TYPES.reduce((s, k) => s + byType[k], 0);
  return { total, byType };
}

// The incentive a voucher is for, whether the server nests it or not.
export function voucherIncentive(v) {
  if (!v) return null;
  if (v.incentive && typeof v.incentive === 'object') return v.incentive;
  return { id: v.incentive_id, name: v.incentive_name || v.name, name_en: v.incentive_name_en || v.name_en, institution: v.institution };
}
