// xAPI statements in plain words, for the citizen's learning activity page (ActivityView): the
// verb and the activity in the page's language, the result (completed, passed, score, time
// spent), the learning platform, and the day and time in Beijing time. Pure functions over the
// statement as the server stored it; they never throw on a statement that lacks a part, and
// never show raw JSON to a person.
import { i18n } from '../i18n.js';

const t = (...a) => i18n.global.t(...a);
const lang = () => i18n.global.locale.value;

export const VERB_VOIDED = 'http://adlnet.gov/expapi/verbs/voided';

// Common ADL verbs that a platform may send without a display: their names in activity.verbs.
const ADL = 'http://adlnet.gov/expapi/verbs/';
const KNOWN_VERBS = [
  'completed',
  'passed',
  'failed',
  'attempted',
  'experienced',
  'attended',
  'answered',
  'launched',
  'registered',
  'progressed',
  'scored',
  'commented',
];

// The dates of the page are Beijing's, wherever the device is.
export const TIME_ZONE = 'Asia/Shanghai';

// The text of a language map (verb display, activity name) in the page's language: zh-CN, then
// Simplified Chinese of any region, then any Chinese for Chinese; en-US, then any English for
// English. null when the map has nothing in that language.
export function inPageLanguage(map, locale = lang()) {
  if (!map || typeof map !== 'object') return null;
  const entries = Object.entries(map).filter(([, v]) => typeof v === 'string' && v.trim());
  const find = (test) => {
    const e = entries.find(([k]) => test(k.toLowerCase()));
    return e ? e[1].trim() : null;
  };
  if (locale === 'en') return find((k) => k === 'en-us') || find((k) => k === 'en') || find((k) => k.startsWith('en-'));
  return (
    find((k) => k === 'zh-cn') ||
    find((k) => k.startsWith('zh-hans')) ||
    find((k) => k === 'zh-sg') ||
    find((k) => k === 'zh') ||
    find((k) => k.startsWith('zh-'))
  );
}

// Any text of a language map, the page's language first; null when it is empty.
export function anyLanguage(map, locale = lang()) {
  const own = inPageLanguage(map, locale);
  if (own) return own;
  if (!map || typeof map !== 'object') return null;
  const v = Object.values(map).find((s) => typeof s === 'string' && s.trim());
  return v ? v.trim() : null;
}

// The last segment of an IRI, made readable: "https://x.org/courses/tai-chi_101/" -> "tai chi 101".
export function lastSegment(iri) {
  const s = String(iri || '').replace(/[/#?]+$/, '');
  const seg = s.slice(Math.max(s.lastIndexOf('/'), s.lastIndexOf('#')) + 1) || s;
  let out = seg;
  try {
    out = decodeURIComponent(seg);
  } catch {
    // a stray % stays as it is
  }
  return out.replace(/[-_]+/g, ' ').trim() || s;
}

// What the learner did: the display in the page's language, else the name of a common ADL verb,
// else the display in another language, else the last segment of the verb's IRI.
export function verbText(verb) {
  if (!verb) return '';
  const own = inPageLanguage(verb.display);
  if (own) return own;
  const id = String(verb.id || '');
  if (id.startsWith(ADL) && KNOWN_VERBS.includes(id.slice(ADL.length))) return t('activity.verbs.' + id.slice(ADL.length));
  return anyLanguage(verb.display) || lastSegment(id);
}

// What it was done to: an activity's name, a person, another record.
export function objectText(object) {
  if (!object) return '';
  switch (object.objectType) {
    case 'Agent':
    case 'Group':
      return (
        object.name ||
        (object.mbox ? String(object.mbox).replace(/^mailto:/, '') : '') ||
        (object.account && object.account.name) ||
        t('activity.someone')
      );
    case 'StatementRef':
      return t('activity.aRecord');
    case 'SubStatement':
      return objectText(object.object);
    default: {
      const d = object.definition || {};
      return anyLanguage(d.name) || lastSegment(object.id);
    }
  }
}

// The activity's description in the page's language (or any), or ''.
export function objectDescription(object) {
  if (!object || (object.objectType && object.objectType !== 'Activity')) return '';
  return anyLanguage(object.definition && object.definition.description) || '';
}

// An ISO 8601 duration ("PT1H30M", "P1DT2H", "PT45.5S") in seconds, or null when it is not
// one or counts years or months (whose length depends on the calendar).
export function durationSeconds(s) {
  const n = '(\\d+(?:[.,]\\d+)?)';
  const m = new RegExp(`^P(?:${n}Y)?(?:${n}M)?(?:${n}W)?(?:${n}D)?(?:T(?:${n}H)?(?:${n}M)?(?:${n}S)?)?$`).exec(String(s || '').trim());
  if (!m || m.slice(1).every((x) => x === undefined)) return null;
  if (m[1] !== undefined || m[2] !== undefined) return null;
  const v = (x) => (x === undefined ? 0 : parseFloat(x.replace(',', '.')));
  return v(m[3]) * 7 * 86400 + v(m[4]) * 86400 + v(m[5]) * 3600 + v(m[6]) * 60 + v(m[7]);
}

// Seconds as hours and minutes: "1 小时 30 分钟", "1 hour 30 minutes"; under a minute says so.
export function durationText(seconds) {
  if (seconds === null || seconds === undefined || !(seconds > 0)) return '';
  const minutes = Math.round(seconds / 60);
  if (minutes < 1) return t('activity.underMinute');
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const parts = [];
  if (h) parts.push(t('activity.hours', { n: h }, h));
  if (m) parts.push(t('activity.minutes', { n: m }, m));
  return parts.join(' ');
}

function num(x) {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function plain(x) {
  return new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: 2, useGrouping: false }).format(x);
}

// The score as people read it: raw out of max ("86 / 100"), raw alone, or scaled as a percentage.
export function scoreText(score) {
  if (!score || typeof score !== 'object') return '';
  const raw = num(score.raw), max = num(score.max), scaled = num(score.scaled);
  if (raw !== null) return max !== null ? `${plain(raw)} / ${plain(max)}` : plain(raw);
  if (scaled !== null) return plain(Math.round(scaled * 1000) / 10) + '%';
  return '';
}

// The result as short parts, each { key, text, tone: 'good' | 'bad' | 'plain' }, in the order
// completion, success, score, time spent; [] without a result.
export function resultParts(result) {
  if (!result || typeof result !== 'object') return [];
  const out = [];
  if (result.completion === true) out.push({ key: 'completed', text: t('activity.result.completed'), tone: 'good' });
  if (result.completion === false) out.push({ key: 'notCompleted', text: t('activity.result.notCompleted'), tone: 'plain' });
  if (result.success === true) out.push({ key: 'passed', text: t('activity.result.passed'), tone: 'good' });
  if (result.success === false) out.push({ key: 'failed', text: t('activity.result.failed'), tone: 'bad' });
  const score = scoreText(result.score);
  if (score) out.push({ key: 'score', text: t('activity.result.score', { score }), tone: 'plain' });
  const spent = durationText(durationSeconds(result.duration));
  if (spent) out.push({ key: 'duration', text: t('activity.result.duration', { time: spent }), tone: 'plain' });
  return out;
}

// The learning platform that reported it: the name its institution registered (the authority),
// else the platform the statement names.
export function platformName(st) {
  const a = (st && st.authority) || {};
  const members = Array.isArray(a.member) ? a.member : [];
  const fromMembers = members.map((m) => m && m.name).find(Boolean);
  const context = (st && st.context) || {};
  return a.name || context.platform || fromMembers || '';
}

// When the learning happened: the statement's timestamp, else when it was stored; a Date or null.
export function whenOf(st) {
  const d = new Date((st && (st.timestamp || st.stored)) || NaN);
  return Number.isNaN(d.getTime()) ? null : d;
}

const keyFormat = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

// The Beijing calendar day of a Date, as "2026-11-24".
export function dayKey(d) {
  const parts = Object.fromEntries(keyFormat.formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

function intlLocale() {
  return lang() === 'en' ? 'en-GB' : 'zh-CN';
}

// A day key as a heading: "今天 · 11月24日 星期二", "Yesterday · Monday 23 November"; the year
// only when it is not this year.
export function dayHeading(key, now = new Date()) {
  const [y, m, d] = key.split('-').map(Number);
  const noon = new Date(Date.UTC(y, m - 1, d, 4)); // noon in Beijing
  const today = dayKey(now);
  const sameYear = today.slice(0, 4) === key.slice(0, 4);
  const date = new Intl.DateTimeFormat(intlLocale(), {
    timeZone: TIME_ZONE,
    year: sameYear ? undefined : 'numeric',
    month: 'long',
    day: 'numeric',
    weekday: 'long',
  }).format(noon);
  const yesterday = dayKey(new Date(now.getTime() - 86400000));
  if (key === today) return t('activity.today', { date });
  if (key === yesterday) return t('activity.yesterday', { date });
  return date;
}

// The time of day in Beijing: "14:05".
export function timeText(d) {
  return new Intl.DateTimeFormat(intlLocale(), { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
}

// The full date and time in Beijing, for a tooltip and for screen readers.
export function fullTime(d) {
  return new Intl.DateTimeFormat(intlLocale(), {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d);
}

// A statement as one entry of the page, in words.
export function describe(st) {
  const when = whenOf(st);
  return {
    id: st.id,
    verb: verbText(st.verb),
    what: objectText(st.object),
    description: objectDescription(st.object),
    results: resultParts(st.result),
    platform: platformName(st),
    when,
    iso: when ? when.toISOString() : '',
    day: when ? dayKey(when) : '',
    time: when ? timeText(when) : '',
    full: when ? fullTime(when) : '',
  };
}

// Statements (newest first) as days, newest first, each with its entries, latest first. A voiding
// statement only takes another back: it is no learning of its own, so it is left out.
export function groupByDay(statements, now = new Date()) {
  const days = new Map();
  for (const st of statements) {
    if (!st || (st.verb && st.verb.id === VERB_VOIDED)) continue;
    const e = describe(st);
    if (!days.has(e.day)) days.set(e.day, []);
    days.get(e.day).push(e);
  }
  return [...days.entries()]
    .sort((a, b) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0))
    .map(([key, entries]) => ({
      key,
      heading: key ? dayHeading(key, now) : t('activity.noDate'),
      entries: entries.slice().sort((a, b) => (b.when ? b.when.getTime() : 0) - (a.when ? a.when.getTime() : 0)),
    }));
}

// A platform identity as the server keys it (GET /api/v1/me/claims: "mbox:mailto:li@example.cn",
// "account:<homePage> <name>", "sha1:<hex>", "openid:<URL>") as a person reads it: the e-mail
// address; the account's name and the host of its platform; the hash, said to be a hashed e-mail
// address; the OpenID URL. Anything else is shown as it is.
export function agentText(key) {
  const s = String(key || '');
  const colon = s.indexOf(':');
  const rest = s.slice(colon + 1);
  switch (colon < 0 ? '' : s.slice(0, colon)) {
    case 'mbox':
      return rest.replace(/^mailto:/i, '');
    case 'account': {
      // The homePage is an IRI, which holds no space; the name may.
      const space = rest.indexOf(' ');
      if (space < 0) return rest;
      const home = rest.slice(0, space);
      let host = '';
      try {
        host = new URL(home).host;
      } catch {
        // not a URL (an IRI such as urn:…): the homePage itself
      }
      return t('activity.claims.accountAt', { name: rest.slice(space + 1), host: host || home });
    }
    case 'sha1':
      return t('activity.claims.hashed', { hash: rest });
    case 'openid':
      return rest;
    default:
      return s;
  }
}
