// Formatting helpers shared by the pages.
import { i18n } from '../i18n.js';

// "3101000000001234" -> "3101 0000 0000 1234"
export function groupDigits(s) {
  if (!s) return '';
  return String(s)
    .replace(/\s+/g, '')
    .replace(/(.{4})(?=.)/g, '$1 ');
}

// A learning account number as typed (spaces or dashes between the groups allowed) -> its
// digits, or '' when it is not 16 digits with a right Luhn check digit (so that a mistyped
// digit is caught before anything is sent; the server checks it again).
export function accountDigits(s) {
  const d = String(s || '').replace(/[\s-]/g, '');
  if (!/^\d{16}$/.test(d)) return '';
  let sum = 0;
  for (let i = 0; i < 16; i++) {
    let v = +d[15 - i];
    if (i % 2 === 1) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  }
  return sum % 10 === 0 ? d : '';
}

// Turns what a person typed as a login into what the server knows: an account number or a
// phone number may be typed with spaces or dashes between groups of digits.
export function normaliseLogin(s) {
  const t = String(s || '').trim();
  if (/^[\d\s-]+$/.test(t)) return t.replace(/[\s-]/g, '');
  return t;
}

// Shanghai's districts in English; other division names are shown as the server gives them.
const DISTRICTS_EN = {
  '310000000000': 'Shanghai',
  '310101000000': 'Huangpu',
  '310104000000': 'Xuhui',
  '310105000000': 'Changning',
  '310106000000': "Jing'an",
  '310107000000': 'Putuo',
  '310109000000': 'Hongkou',
  '310110000000': 'Yangpu',
  '310112000000': 'Minhang',
  '310113000000': 'Baoshan',
  '310114000000': 'Jiading',
  '310115000000': 'Pudong',
  '310116000000': 'Jinshan',
  '310117000000': 'Songjiang',
  '310118000000': 'Qingpu',
  '310120000000': 'Fengxian',
  '310151000000': 'Chongming',
};

export function divisionName(div) {
  if (!div) return '';
  if (i18n.global.locale.value === 'en' && DISTRICTS_EN[div.code]) return DISTRICTS_EN[div.code];
  return div.name || div.code || '';
}

export function formatDate(s) {
  if (!s) return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return i18n.global.d(d, 'short');
}

export function formatDateTime(s) {
  if (!s) return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return i18n.global.d(d, 'long');
}

// A plain calendar date such as "1980-01-01" (no time zone shift).
export function formatBirthDate(s) {
  if (!s) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return String(s);
  return i18n.global.d(new Date(+m[1], +m[2] - 1, +m[3]), 'short');
}

export function formatNumber(n) {
  if (n === null || n === undefined || Number.isNaN(+n)) return '–';
  return i18n.global.n(+n);
}

export function formatPercent(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return i18n.global.n(x, 'percent');
}

export function roleName(role) {
  const k = 'roles.' + role;
  return i18n.global.te(k) ? i18n.global.t(k) : role || '';
}

export function institutionType(type) {
  const k = 'institution.types.' + type;
  return i18n.global.te(k) ? i18n.global.t(k) : type || '';
}

export function fieldNames(fields) {
  if (!fields) return '';
  const sep = i18n.global.locale.value === 'en' ? ', ' : '、';
  return String(fields)
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => {
      const k = 'me.fieldNames.' + f;
      return i18n.global.te(k) ? i18n.global.t(k) : f;
    })
    .join(sep);
}

// The words to show for an API error: the localised text for its code when there is one,
// otherwise the server's own message.
export function errorText(e) {
  if (!e) return '';
  if (e.code === 'network') return i18n.global.t('errors.network');
  const k = 'errors.' + e.code;
  if (e.code && i18n.global.te(k)) return i18n.global.t(k);
  return e.message || i18n.global.t('errors.generic');
}

// GB 11643 check character of the first 17 digits.
export function idCheckChar(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * w[i];
  return '10X98765432'[s % 11];
}

export function validIdNumber(id) {
  const s = String(id || '').toUpperCase();
  if (!/^\d{17}[\dX]$/.test(s)) return false;
  const y = +s.slice(6, 10), mo = +s.slice(10, 12), d = +s.slice(12, 14);
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return false;
  return idCheckChar(s) === s[17];
}
