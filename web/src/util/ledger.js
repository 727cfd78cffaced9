// The credit bank in the portal: kinds of outcome, units (credits and hours are kept in
// thousandths), names for people, and the checks a browser can make of a ledger entry on its
// own (the entry's leaf hash, its RFC 9162 inclusion proof and the signed tree head).
import { i18n } from '../i18n.js';
import { upload } from '../api.js';

const t = (k, p) => i18n.global.t(k, p);
const te = (k) => i18n.global.te(k);

// In the server's order (src/ledger/ledger.h).
export const KINDS = [
  'academic_credit',
  'academic_qualification',
  'vocational_certificate',
  'professional_qualification',
  'non_degree_training',
  'enterprise_training',
  'community_education',
  'elder_education',
  'other_learning',
];

// The optional fields a standard may require (the API's names).
export const FIELDS = ['code', 'level', 'credits_milli', 'hours_milli', 'result', 'started_on', 'certificate_no', 'evidence'];

export const RESULT_KINDS = ['grade', 'score', 'pass'];
export const GRADES = ['优秀', '良好', '中等', '及格', '合格', '不及格', '不合格', 'A+', 'A', 'A-', 'B+', 'B', 'B-', 'C+', 'C', 'C-', 'D+', 'D', 'D-', 'F'];

export const INSTITUTION_TYPES = [
  'university',
  'open_university',
  'vocational_college',
  'adult_college',
  'community_school',
  'elder_university',
  'elder_school',
  'learning_point',
  'training_institution',
  'enterprise',
  'partner_credit_bank',
  'credit_bank',
  'government',
];

export const SUBMISSION_STATUSES = ['pending', 'returned', 'rejected', 'stored'];

export function kindName(kind) {
  const k = 'ledger.kinds.' + kind;
  return te(k) ? t(k) : kind || '';
}

export function fieldName(field) {
  const k = 'ledger.fields.' + field;
  return te(k) ? t(k) : field || '';
}

export function opName(op) {
  const k = 'ledger.ops.' + op;
  return te(k) ? t(k) : op || '';
}

// What a submission asks for: a deposit or a correction.
export function subOpName(op) {
  const k = 'ledger.subOps.' + op;
  return te(k) ? t(k) : op || '';
}

export function statusName(status) {
  const k = 'ledger.status.' + status;
  return te(k) ? t(k) : status || '';
}

// Element Plus tag type of an outcome's or a submission's status.
export function statusTagType(status) {
  switch (status) {
    case 'stored':
      return 'success';
    case 'corrected':
    case 'pending':
      return 'warning';
    case 'revoked':
    case 'rejected':
      return 'danger';
    case 'returned':
      return 'warning';
    default:
      return 'info';
  }
}

// A level of the framework by number, with its name from the levels list when known.
export function levelName(level, levels) {
  if (level === null || level === undefined) return '';
  const l = (levels || []).find((x) => x.level === level);
  if (l) return i18n.global.locale.value === 'en' ? l.name_en || l.name : l.name;
  return t('ledger.levelN', { n: level });
}

// Thousandths -> a number for people: 2500 -> "2.5"; null stays empty.
export function fromMilli(v) {
  if (v === null || v === undefined || v === '') return '';
  const n = Number(v) / 1000;
  return i18n.global.n(n, { maximumFractionDigits: 3 });
}

// What a person typed ("2.5") -> thousandths (2500); '' -> null; NaN when it is not a number
// with at most three decimals.
export function toMilli(s) {
  const v = String(s ?? '').trim();
  if (!v) return null;
  if (!/^\d+(\.\d{1,3})?$/.test(v)) return NaN;
  const [w, f = ''] = v.split('.');
  return Number(w) * 1000 + Number((f + '000').slice(0, 3));
}

// The plain form of thousandths for an input box: 2500 -> "2.5".
export function milliInput(v) {
  if (v === null || v === undefined) return '';
  const w = Math.floor(v / 1000);
  const f = String(v % 1000).padStart(3, '0').replace(/0+$/, '');
  return f ? `${w}.${f}` : String(w);
}

export function resultText(item) {
  if (!item || !item.result) return '';
  if (item.result_kind === 'pass') return t('ledger.resultPass');
  return item.result;
}

// Age of a pending submission in seconds -> "3天" / "3 days".
export function ageText(seconds) {
  const s = Math.max(0, Number(seconds) || 0);
  if (s < 3600) return t('ledger.age.minutes', { n: Math.max(1, Math.floor(s / 60)) }, Math.max(1, Math.floor(s / 60)));
  if (s < 86400) return t('ledger.age.hours', { n: Math.floor(s / 3600) }, Math.floor(s / 3600));
  return t('ledger.age.days', { n: Math.floor(s / 86400) }, Math.floor(s / 86400));
}

// A calendar date "2024-06-30" for people, without a time-zone shift.
export function formatDay(s) {
  if (!s) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return String(s);
  return i18n.global.d(new Date(+m[1], +m[2] - 1, +m[3]), 'short');
}

// The entry standard of a kind as a few lines for people.
export function rangeText(range, milli) {
  if (!range) return '';
  const f = milli ? fromMilli : (v) => String(v);
  return t('ledger.range', { min: f(range.min), max: f(range.max) });
}

// Uploads an evidence file (PDF, PNG, JPEG or WebP) as the body of POST /api/v1/ledger/evidence
// with its own content type and ?name=. Returns the Evidence object; throws ApiError.
export function uploadEvidence(file) {
  return upload('ledger/evidence', file, file.type || 'application/octet-stream', { query: { name: file.name } });
}

// ---- Checking an entry in the browser ----

function hexToBytes(hex) {
  if (typeof hex !== 'string' || hex.length % 2 || /[^0-9a-f]/i.test(hex)) throw new Error('not hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

export function bytesToHex(b) {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function concat(...parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

// A JSON string exactly as the server writes it into an entry's canonical bytes: the server
// escapes as JSON.stringify does (quote, backslash, control characters; \u00xx in lower case).
function jsonString(s) {
  return JSON.stringify(s);
}

function canonicalValue(v) {
  if (v === null) return 'null';
  if (typeof v === 'string') return jsonString(v);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error('an entry holds integers only');
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  throw new Error('unexpected value in an entry');
}

// The canonical bytes of an entry as GET /api/v1/ledger/entries/{id} returns it: every field but
// entry_hash, created_at and created_at_us, with created_at_us as created_at, keys sorted, no
// spaces (the 'Entry' schema of /api/openapi.json; src/ledger/entry.c).
export function entryCanonical(entry) {
  const o = { ...entry };
  delete o.entry_hash;
  o.created_at = o.created_at_us;
  delete o.created_at_us;
  const keys = Object.keys(o).sort();
  return '{' + keys.map((k) => jsonString(k) + ':' + canonicalValue(o[k])).join(',') + '}';
}

// SHA-256(0x00 || canonical bytes): the entry's leaf hash in the log.
export async function entryLeafHash(entry) {
  const bytes = new TextEncoder().encode(entryCanonical(entry));
  return sha256(concat(new Uint8Array([0]), bytes));
}

// RFC 9162 §2.1.3.2: true when proof shows leafHash is leaf `index` of the tree of `size` leaves
// whose root is rootHash.
export async function verifyInclusion(index, size, leafHash, proofHex, rootHex) {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn > sn) return false;
  let r = leafHash;
  for (const p of proofHex) {
    const pb = hexToBytes(p);
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await sha256(concat(new Uint8Array([1]), pb, r));
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = await sha256(concat(new Uint8Array([1]), r, pb));
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && bytesToHex(r) === String(rootHex).toLowerCase();
}

// The signed message of a tree head: "lifelong-sth-v1" and a NUL, tree_size and timestamp_us as
// 8 bytes big-endian each, then the root hash (src/ledger/merkle.h).
export function treeHeadMessage(th) {
  const msg = new Uint8Array(64);
  const prefix = new TextEncoder().encode('lifelong-sth-v1');
  msg.set(prefix, 0); // byte 15 stays 0
  const dv = new DataView(msg.buffer);
  dv.setBigUint64(16, BigInt(th.tree_size));
  dv.setBigUint64(24, BigInt(th.timestamp_us));
  msg.set(hexToBytes(th.root_hash), 32);
  return msg;
}

// true or false when this browser can check an Ed25519 signature, null when it cannot.
export async function verifyTreeHeadSignature(th) {
  let key;
  try {
    key = await crypto.subtle.importKey('raw', hexToBytes(th.public_key), { name: 'Ed25519' }, false, ['verify']);
  } catch {
    return null;
  }
  try {
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, hexToBytes(th.signature), treeHeadMessage(th));
  } catch {
    return null;
  }
}

// Every check of GET /api/v1/ledger/entries/{id}?proof=true:
//   { leafHash, hashOk, inclusionOk, signatureOk (true/false/null) }
export async function checkEntry(data) {
  const leaf = await entryLeafHash(data.entry);
  const leafHex = bytesToHex(leaf);
  const hashOk = leafHex === String(data.entry.entry_hash).toLowerCase();
  let inclusionOk = false;
  try {
    inclusionOk = hashOk && data.leaf_index === data.entry.seq && (await verifyInclusion(data.leaf_index, data.tree_head.tree_size, leaf, data.inclusion_proof || [], data.tree_head.root_hash));
  } catch {
    inclusionOk = false;
  }
  let signatureOk = null;
  try {
    signatureOk = await verifyTreeHeadSignature(data.tree_head);
  } catch {
    signatureOk = null;
  }
  return { leafHash: leafHex, hashOk, inclusionOk, signatureOk };
}
