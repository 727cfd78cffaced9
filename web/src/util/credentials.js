// Verifiable credentials for people (我的凭证, 求职认证 and 验证凭证): the citizen's current
// outcomes to issue or share, the main facts of an Open Badges 3.0 credential or of a CLR 2.0
// transcript (with the records it embeds) as the API returns it decoded, the credential as a file,
// and handing a credential from the citizen's page to the public verify page in the same tab, and
// the words for the checks of a verification report. Nothing here checks a credential: only the
// server's report (POST /api/v1/verify, or a shared record's) says whether one is valid.
import { ref } from 'vue';
import api from '../api.js';
import { i18n } from '../i18n.js';
import { formatDay } from './ledger.js';

// The media type of a credential secured with VC-JOSE (a compact JWS).
export const CREDENTIAL_TYPE = 'application/vc+jwt';

// The outcomes a citizen can issue or share: their transcript's current ones (GET
// /api/v1/me/transcript without the revoked), whether the first load is under way, the error of
// the last load, and load() to fetch them (again). onLoaded, when given, is called with the
// outcomes each time they come, before loading ends: a page keeps its choice in step with them.
export function useCurrentOutcomes(onLoaded) {
  const outcomes = ref([]);
  const loading = ref(true);
  const error = ref(null);
  async function load() {
    error.value = null;
    try {
      const r = await api.get('me/transcript');
      outcomes.value = ((r && r.items) || []).filter((o) => o.status !== 'revoked');
      if (onLoaded) onLoaded(outcomes.value);
    } catch (e) {
      error.value = e;
    } finally {
      loading.value = false;
    }
  }
  return { outcomes, loading, error, load };
}

// An institution's name in the page's language: its English name, where it has one, in English.
export function instName(inst) {
  if (!inst) return '';
  return i18n.global.locale.value === 'en' && inst.name_en ? inst.name_en : inst.name;
}

// Where and when an outcome was awarded, those of them known.
function outcomeFacts(o) {
  const parts = [];
  if (o.institution) parts.push(instName(o.institution));
  if (o.awarded_on) parts.push(formatDay(o.awarded_on));
  return parts;
}

// Where and when an outcome was awarded, as one line: "测试大学 · 2026/06/30".
export function outcomeLine(o) {
  return outcomeFacts(o).join(' · ');
}

// An outcome as one line to choose it by: its title, where and when it was awarded.
export function outcomeLabel(o) {
  return [o.title, ...outcomeFacts(o)].join(' · ');
}

// Where /me/credentials leaves a credential for /verify: sessionStorage, as a JWS is several
// kilobytes, too long for an address; taken (and removed) once by the verify page.
const HANDOFF_KEY = 'lifelong.verify.credential';

function firstOf(v) {
  return Array.isArray(v) ? v[0] : v;
}

// A date-time of the credential ("2023-01-10T00:00:00+08:00") as its calendar day in Beijing,
// where the credit bank gives dates: "2023-01-10".
function dayOf(s) {
  if (typeof s !== 'string') return '';
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(s);
  return m ? m[1] : '';
}

// The type of a CLR 2.0 transcript; GET /api/v1/me/credentials names a credential's type so too.
export const TRANSCRIPT_TYPE = 'ClrCredential';

// Whether a decoded credential is a transcript (a ClrCredential) rather than a single badge.
export function isTranscript(vc) {
  if (!vc || typeof vc !== 'object') return false;
  return Array.isArray(vc.type) ? vc.type.includes(TRANSCRIPT_TYPE) : vc.type === TRANSCRIPT_TYPE;
}

// The text of base64url s (no padding) read as UTF-8; null when it is not base64url or not UTF-8.
function base64urlText(s) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s)) return null;
  try {
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '==='.slice((b64.length + 3) % 4));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

// The payload of a compact JWS (its middle part) as JSON, without checking anything; null when
// jws is not three parts or its payload is not a JSON object.
export function jwsPayload(jws) {
  const parts = typeof jws === 'string' ? jws.split('.') : [];
  if (parts.length !== 3) return null;
  const text = base64urlText(parts[1]);
  if (text === null) return null;
  try {
    const o = JSON.parse(text);
    return o && typeof o === 'object' && !Array.isArray(o) ? o : null;
  } catch {
    return null;
  }
}

// What a transcript embeds as an EnvelopedVerifiableCredential ("data:application/vc+jwt,<JWS>"):
// each in order as { jws, credential }, credential being the JWS's payload decoded (null when it
// does not decode, or the entry is not an enveloped credential of that media type).
const ENVELOPED_PREFIX = 'data:' + CREDENTIAL_TYPE + ',';
export function embeddedCredentials(vc) {
  const subject = (vc && firstOf(vc.credentialSubject)) || {};
  const list = Array.isArray(subject.verifiableCredential) ? subject.verifiableCredential : [];
  return list.map((e) => {
    const types = e && (Array.isArray(e.type) ? e.type : [e.type]);
    const ok = e && types.includes('EnvelopedVerifiableCredential') && typeof e.id === 'string' && e.id.startsWith(ENVELOPED_PREFIX);
    const jws = ok ? e.id.slice(ENVELOPED_PREFIX.length) : null;
    return { jws, credential: jws ? jwsPayload(jws) : null };
  });
}

// The person a credential's subject names: by name and by account number (identifiers in clear).
function holderOf(subject) {
  const ids = Array.isArray(subject.identifier) ? subject.identifier : [];
  const ident = (type) => {
    const x = ids.find((i) => i && i.identityType === type && i.hashed === false);
    return x && typeof x.identityHash === 'string' ? x.identityHash : null;
  };
  return { holder: ident('name'), accountNo: ident('identifier') };
}

// What a person wants to know of a credential (the payload of the JWS). Of an OpenBadgeCredential
// (kind 'badge'): what was learned, where, the credits, when, whose it is, and who issued it. Of a
// transcript, a ClrCredential (kind 'transcript'): its name, whose it is, who issued it and when,
// and its records (each embedded credential's facts in order, null for one that cannot be read).
// Missing facts are null; anything that is not an object gives null. A transcript inside a
// transcript (depth > 0) is not opened further: its records are [].
export function credentialFacts(vc, depth = 0) {
  if (!vc || typeof vc !== 'object') return null;
  const subject = firstOf(vc.credentialSubject) || {};
  const issuer = typeof vc.issuer === 'string' ? { id: vc.issuer } : vc.issuer || {};
  const { holder, accountNo } = holderOf(subject);
  if (isTranscript(vc)) {
    const embedded = embeddedCredentials(vc);
    const records = depth > 0 ? [] : embedded.map((e) => (e.credential ? credentialFacts(e.credential, depth + 1) : null));
    return {
      kind: 'transcript',
      id: typeof vc.id === 'string' ? vc.id : null,
      title: typeof vc.name === 'string' ? vc.name : null,
      holder,
      accountNo,
      issuerId: issuer.id || null,
      issuerName: issuer.name || null,
      validFrom: vc.validFrom || null,
      validUntil: vc.validUntil || null,
      count: embedded.length,
      records,
    };
  }
  const achievement = subject.achievement || {};
  const creator = achievement.creator || {};
  const result = firstOf(subject.result);
  const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    kind: 'badge',
    id: typeof vc.id === 'string' ? vc.id : null,
    title: achievement.name || vc.name || null,
    achievementType: achievement.achievementType || null,
    code: achievement.humanCode || null,
    institution: creator.name || null,
    credits: num(subject.creditsEarned) ?? num(achievement.creditsAvailable),
    result: result && result.value != null ? String(result.value) : null,
    startedOn: dayOf(subject.activityStartDate) || null,
    awardedOn: dayOf(subject.activityEndDate) || null,
    certificateNo: subject.licenseNumber || null,
    holder,
    accountNo,
    issuerId: issuer.id || null,
    issuerName: issuer.name || null,
    validFrom: vc.validFrom || null,
    validUntil: vc.validUntil || null,
  };
}

// The title of a credential of GET /api/v1/me/credentials in the page's language. The server
// names a transcript in Chinese ("学习成果记录（2 项）"): its number of records is read from that
// name and said in the page's words; any other title is shown as it is.
export function credentialTitle(item) {
  if (!item) return '';
  if (item.type === TRANSCRIPT_TYPE) {
    const m = /（\s*(\d+)\s*项）\s*$/.exec(String(item.title || ''));
    if (m) return i18n.global.t('credentials.transcriptTitle', { n: Number(m[1]) }, Number(m[1]));
    return item.title || i18n.global.t('credentials.kinds.transcript');
  }
  return item.title || '';
}

// A credential's file name: its title (without the characters file systems refuse) and .jwt.
export function credentialFileName(title) {
  const base = String(title || '')
    .replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_')
    .replace(/^[\s.]+|[\s.]+$/g, '')
    .slice(0, 120);
  return (base || 'credential') + '.jwt';
}

// Saves jws as the file <title>.jwt (application/vc+jwt) through the browser's download.
export function downloadCredential(jws, title) {
  downloadJws(jws, credentialFileName(title));
}

// Saves jws as the file named fileName (application/vc+jwt) through the browser's download.
export function downloadJws(jws, fileName) {
  const url = URL.createObjectURL(new Blob([jws], { type: CREDENTIAL_TYPE }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has its own copy by the time the click returns; give it a moment regardless.
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// A key id shortened for people: the fragment of a "did:…#kid", its first 8 characters.
export function shortKid(kid) {
  if (!kid) return '';
  const s = String(kid);
  const k = s.includes('#') ? s.slice(s.lastIndexOf('#') + 1) : s;
  return k.length > 10 ? k.slice(0, 8) + '…' : k;
}

// The credential in the text of a file someone chose: a compact JWS as it is (.jwt, .txt), or a
// JSON object with a "jws" member (as GET /api/v1/me/credentials/{id} answers) or a "credential"
// member that is a JWS. '' when there is none.
export function jwsFromFileText(text) {
  const s = String(text || '')
    .replace(/^\uFEFF/, '')
    .trim();
  if (!s) return '';
  if (s.startsWith('{')) {
    try {
      const o = JSON.parse(s);
      if (o && typeof o.jws === 'string') return o.jws.trim();
      if (o && typeof o.credential === 'string') return o.credential.trim();
    } catch {
      // not JSON after all: treat it as text
    }
    return '';
  }
  return s;
}

// Leaves jws for the verify page of this tab.
export function handCredentialToVerify(jws) {
  try {
    sessionStorage.setItem(HANDOFF_KEY, jws);
    return true;
  } catch {
    return false;
  }
}

// The credential left by handCredentialToVerify, once: '' when there is none.
export function takeHandedCredential() {
  try {
    const v = sessionStorage.getItem(HANDOFF_KEY) || '';
    sessionStorage.removeItem(HANDOFF_KEY);
    return v;
  } catch {
    return '';
  }
}

// A check of a report (format, signature, validity, status, ledger) by its name in the page's
// language; a check this portal does not know by the API's own name.
export function checkName(check) {
  const k = 'verify.checks.' + check;
  return i18n.global.te(k) ? i18n.global.t(k) : check;
}

// What a check of a report says, in the page's language as the server words it.
export function checkMessage(c) {
  if (!c) return '';
  return i18n.global.locale.value === 'en' ? c.message_en || c.message : c.message || c.message_en;
}

// The names of the checks of a report that failed, in the page's language, joined as a list.
export function failedCheckNames(checks) {
  const sep = i18n.global.locale.value === 'en' ? ', ' : '、';
  return (checks || [])
    .filter((c) => c.status === 'failed')
    .map((c) => checkName(c.check))
    .join(sep);
}
