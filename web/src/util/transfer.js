// The learning overpass (立交桥) in the portal: programmes and their plans, conversion rules in
// plain words, the progress of an audit group by group, and the words for the API's errors at
// the field they name. Credits are kept in thousandths, as everywhere in Lifelong. Also this node's
// mutual recognition (GET /api/v1/federation/recognition): its peers, named in the rules' words.
import { reactive } from 'vue';
import { ApiError } from '../api.js';
import { i18n } from '../i18n.js';
import { errorText } from './format.js';
import { formatDay, fromMilli, kindName, levelName } from './ledger.js';

const t = (k, p, n) => (n === undefined ? i18n.global.t(k, p) : i18n.global.t(k, p, n));
const te = (k) => i18n.global.te(k);
const isEn = () => i18n.global.locale.value === 'en';

// In the server's order (src/transfer/transfer.h).
export const PROGRAMME_KINDS = ['associate', 'bachelor', 'diploma', 'certificate', 'self_study'];

// obj.name, or obj.name_en in English when there is one.
export function localName(obj, field = 'name') {
  if (!obj) return '';
  return (isEn() && obj[field + '_en']) || obj[field] || '';
}

export function programmeKindName(kind) {
  const k = 'transfer.kinds.' + kind;
  return te(k) ? t(k) : kind || '';
}

export function ruleStatusName(status) {
  const k = 'transfer.ruleStatus.' + status;
  return te(k) ? t(k) : status || '';
}

export function ruleStatusTag(status) {
  return status === 'approved' ? 'success' : status === 'rejected' ? 'danger' : 'warning';
}

export function courseStatusName(status) {
  const k = 'transfer.courseStatus.' + status;
  return te(k) ? t(k) : status || '';
}

export function courseStatusTag(status) {
  switch (status) {
    case 'completed':
    case 'transferred':
      return 'success';
    case 'pending':
      return 'warning';
    case 'available':
      return 'primary';
    default:
      return 'info';
  }
}

// Credits for people: 7000 -> "7"; null -> "0".
export function credits(milli) {
  return fromMilli(milli || 0) || '0';
}

// "7 学分" / "7 credits" ("1 credit").
export function creditsText(milli) {
  return t('transfer.audit.creditsN', { n: credits(milli) }, (milli || 0) / 1000);
}

// A share in thousandths of the whole (500) -> the percent a person types ("50").
export function permilleInput(v) {
  if (v === null || v === undefined) return '';
  const w = Math.floor(v / 10);
  const f = v % 10;
  return f ? `${w}.${f}` : String(w);
}

// What a person typed as a percent ("50", "37.5") -> thousandths of the whole (500, 375); NaN
// when it is not a number from 0 to 100 with at most one decimal.
export function toPermille(s) {
  const v = String(s ?? '').trim();
  if (!/^\d{1,3}(\.\d)?$/.test(v)) return NaN;
  const n = Math.round(Number(v) * 10);
  return n > 1000 ? NaN : n;
}

// ---- Rules in plain words ----

function codeText(code) {
  if (!code) return '';
  const star = code.indexOf('*');
  if (star < 0) return t('transfer.words.code', { code });
  if (star === code.length - 1 && code.indexOf('*') === code.lastIndexOf('*')) return t('transfer.words.codePrefix', { code: code.slice(0, -1) });
  return t('transfer.words.codePattern', { code });
}

function resultWords(r) {
  if (!r) return '';
  if (r === 'pass') return t('transfer.words.pass');
  if (typeof r === 'object' && r.score !== undefined) return t('transfer.words.score', { score: r.score });
  if (typeof r === 'object' && r.grade !== undefined) return t('transfer.words.grade', { grade: r.grade });
  return '';
}

// ---- Mutual recognition ----

// What a condition may name (src/transfer/transfer.h RULE_FROM_NODES_MAX): at most 8 node ids.
export const FROM_NODES_MAX = 8;

// This node's peers as the last answer of GET /api/v1/federation/recognition named them: node id
// -> { name, status }. Reactive, so that words already shown take the names when they come.
const peerBook = reactive({});
let recognitionAsked = null; // the answer under way or come, shared by the page's parts

// GET /api/v1/federation/recognition as it is now. The server lets browsers keep the public answer
// for a minute, but the page that asks has often just changed it (a peer registered, a rule
// approved in the queue): the browser is told to ask the server again, which api.js cannot say,
// hence fetch itself here, with api.js's errors.
async function fetchRecognition() {
  let res;
  try {
    res = await fetch('/api/v1/federation/recognition', { headers: { Accept: 'application/json' }, cache: 'no-cache', credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, 'network', e && e.message);
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(res.status, e.code, e.message || res.statusText, e.field);
  }
  return data;
}

// This node's recognition agreements and the rules in force with the peers each recognises
// (public); its peers' names are kept for peerName. Throws the API's error.
export function loadRecognition() {
  const asked = fetchRecognition().then((r) => {
    for (const a of (r && r.agreements) || []) peerBook[a.node_id] = { name: a.name, status: a.status };
    return r;
  });
  recognitionAsked = asked;
  asked.catch(() => {
    if (recognitionAsked === asked) recognitionAsked = null; // asked again next time
  });
  return asked;
}

// The peers' names for the rules' words: asked once (or taken from the answer another part of the
// page asked for); without them, the words name the node ids.
export function knowPeers() {
  return (recognitionAsked || loadRecognition()).catch(() => null);
}

// A peer of this node for people: "江苏省终身教育学分银行（JS）", or "JS 学分银行" when its name is
// not known (not registered here, or not asked yet).
export function peerName(id) {
  const p = peerBook[id];
  return p && p.name ? t('transfer.words.nodeNamed', { name: p.name, id }) : t('transfer.words.nodeId', { id });
}

// One condition of a rule: "2 项社区教育成果，学时不少于 16，5 年内取得", and the peers whose
// imported outcomes it accepts: "…（另认可江苏省终身教育学分银行（JS）的成果）".
export function conditionText(c, levels = []) {
  const n = c.count || 1;
  const parts = [n > 1 ? t('transfer.words.countKind', { n, kind: kindName(c.kind) }) : t('transfer.words.oneKind', { kind: kindName(c.kind) })];
  if (c.code) parts.push(codeText(c.code));
  if (c.min_level) parts.push(t('transfer.words.level', { level: levelName(c.min_level, levels) }));
  if (c.min_result) parts.push(resultWords(c.min_result));
  if (c.min_hours_milli !== undefined && c.min_hours_milli !== null) parts.push(t('transfer.words.hours', { hours: fromMilli(c.min_hours_milli) || '0' }));
  if (c.within_years) parts.push(t('transfer.words.within', { n: c.within_years }, c.within_years));
  const text = parts.filter(Boolean).join(t('transfer.words.sep'));
  const nodes = c.from_nodes || [];
  return nodes.length ? text + t('transfer.words.fromNodes', { nodes: nodes.map(peerName).join(t('transfer.words.listSep')) }) : text;
}

// One grant of a rule, with the course's or the group's name from the plan when it is known.
export function grantText(g, plan) {
  if (g.course) {
    const c = plan && (plan.courses || []).find((x) => x.code === g.course);
    return c
      ? t('transfer.words.grantCourse', { code: c.code, name: localName(c), credits: credits(c.credits_milli) }, (c.credits_milli || 0) / 1000)
      : t('transfer.words.grantCourseCode', { code: g.course });
  }
  const grp = plan && (plan.groups || []).find((x) => x.code === g.group);
  return t('transfer.words.grantGroup', { group: grp ? localName(grp) : g.group, credits: credits(g.credits_milli) }, (g.credits_milli || 0) / 1000);
}

// What an application item grants, in a line: "课程 00012 英语(一)（7 学分）、…".
export function grantsText(grants, plan) {
  return (grants || []).map((g) => grantText(g, plan)).join(t('transfer.words.listSep'));
}

export function itemStatusName(status) {
  const k = 'transfer.apply.status.' + status;
  return te(k) ? t(k) : status || '';
}

export function itemStatusTag(status) {
  return status === 'approved' ? 'success' : status === 'rejected' ? 'danger' : 'warning';
}

export function effectiveText(rule) {
  if (!rule) return '';
  if (rule.effective_to) return t('transfer.words.effectiveRange', { from: formatDay(rule.effective_from), to: formatDay(rule.effective_to) });
  return t('transfer.words.effectiveFrom', { from: formatDay(rule.effective_from) });
}

// Rule versions (newest first, as GET …/rules gives them) grouped by rule: [{ id, latest,
// versions }], the rules whose latest version is newest first.
export function groupRuleVersions(items) {
  const by = new Map();
  for (const v of items || []) {
    if (!by.has(v.id)) by.set(v.id, []);
    by.get(v.id).push(v);
  }
  return [...by.entries()]
    .map(([id, versions]) => {
      versions.sort((a, b) => b.version - a.version);
      return { id, latest: versions[0], versions, approved: versions.find((v) => v.status === 'approved') || null };
    })
    .sort((a, b) => String(b.latest.published_at).localeCompare(String(a.latest.published_at)));
}

// ---- Audits ----

// The credits a group asks for: every course of a required group, the minimum of an elective one.
export function groupRequired(group, courses) {
  if (group.elective) return group.min_credits_milli || 0;
  return (courses || []).filter((c) => c.group === group.code).reduce((s, c) => s + (c.credits_milli || 0), 0);
}

// Each group of an audit with what it asks for, what is earned, what waits for the institution's
// decision on an application, what the learner may apply for and what is still needed (all in
// thousandths). The chart* figures are capped so that they add up to what the group asks for.
export function groupProgress(report) {
  const courses = report.courses || [];
  return (report.groups || []).map((g) => {
    const required = groupRequired(g, courses);
    const earned = g.earned_milli || 0;
    const pending = g.pending_milli || 0;
    const available = g.available_milli || 0;
    const chartEarned = Math.min(earned, required);
    const chartPending = Math.min(pending, required - chartEarned);
    const chartAvailable = Math.min(available, required - chartEarned - chartPending);
    return {
      code: g.code,
      name: localName(g),
      elective: !!g.elective,
      required,
      earned,
      pending,
      available,
      needed: Math.max(0, required - chartEarned - chartPending - chartAvailable),
      chartEarned,
      chartPending,
      chartAvailable,
      isMet: !!g.is_met,
      isMetWithTransfers: !!g.is_met_with_transfers,
    };
  });
}

export function stillNeeded(report) {
  const c = report.credits || {};
  return Math.max(0, (c.total_required_milli || 0) - (c.earned_milli || 0) - (c.pending_milli || 0) - (c.available_milli || 0));
}

// The words of one reason a rule did not apply, in the page's language.
export function reasonText(r) {
  return (isEn() ? r.message_en || r.message : r.message || r.message_en) || r.code || '';
}

// An outcome as an audit names it, from the report's summary of the outcomes it refers to
// (report.outcomes[id]: kind, title, code, result, awarded_on), in the page's language:
// "大学英语四级（CET-4）（CET4 · 523 · 2023/12/20）". A result of "pass" is said in words.
export function outcomeText(o) {
  const result = o.result === 'pass' ? t('ledger.resultPass') : o.result || '';
  const bits = [o.code, result, formatDay(o.awarded_on)].filter(Boolean);
  const title = o.title || kindName(o.kind);
  return bits.length ? t('transfer.audit.outcomeWith', { title, bits: bits.join(' · ') }) : title;
}

// Outcome id of an audit's report -> its name (outcomeText), or, when the report's summary lacks
// it, "一项学习成果（编号尾号 …）".
export function auditOutcomeText(report, id) {
  const o = report && report.outcomes && report.outcomes[id];
  return o ? outcomeText(o) : t('transfer.audit.outcomeUnknown', { id: String(id).slice(-8) });
}

// The file name of an audit's JSON download.
export function auditFileName(report, fallback = 'audit') {
  const p = report && report.programme;
  const who = report && report.person && report.person.account_no;
  return [fallback, p && p.code, who].filter(Boolean).join('-') + '.json';
}

// ---- Errors ----

// A field path of the API's errors as the plan editor names it: "plan.courses[1].code" and
// "courses[1].code" are both "courses[1].code".
export function planPath(field) {
  return String(field || '').replace(/^plan\.?/, '');
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

// The words for an error of the transfer API at its field, in the page's language. rules: the
// programme's rule versions, to name the rule a new one contradicts.
export function transferErrorText(e, { rules } = {}) {
  if (!e) return '';
  const f = planPath(e.field);
  const last = f.replace(/\[\d+\]/g, '').split('.').pop();
  const k = (key, p) => t('transfer.errors.' + key, p);
  if (last === 'from_nodes') {
    if (e.code === 'too_long') return k('fromNodesMax', { max: FROM_NODES_MAX });
    if (e.code === 'invalid_value') return k(/twice/.test(e.message || '') ? 'fromNodesTwice' : 'fromNodes');
  }
  switch (e.code) {
    case 'rule_contradicts': {
      const m = UUID.exec(e.message || '');
      const other = m && (rules || []).find((r) => r.id === m[0]);
      return other ? k('ruleContradictsNamed', { name: localName(other.rule || other) }) : k('ruleContradicts');
    }
    case 'unknown_course':
    case 'transfer_excluded':
    case 'unknown_group':
    case 'audit_too_large':
      return k(e.code);
    case 'not_pending':
      return k('itemNotPending');
    case 'revoked':
      return k('itemRevoked');
    case 'conflict':
      if (/^items(\[\d+\])?$/.test(f)) return k('alreadyApplied');
      if (/^(groups|courses)\[\d+\]\.code$/.test(f)) return k('codeTwice');
      if (/^grants\[\d+\]$/.test(f)) return k('grantTwice');
      if (f === 'code') return k('programmeCodeTaken');
      break;
    case 'invalid_value':
      if (/^items(\[\d+\])?/.test(f)) return k('notAvailable');
      if (/^groups\[\d+\]$/.test(f)) return k('requiredGroupEmpty');
      if (/^groups\[\d+\]\.min_credits_milli$/.test(f)) return k('requiredGroupNoMin');
      if (/^grants\[\d+\]\.group$/.test(f)) return k('groupNotElective');
      if (/^grants\[\d+\]\.credits_milli$/.test(f)) return k('courseCarriesCredits');
      if (/^grants\[\d+\]$/.test(f)) return k('grantOne');
      if (/min_result\.score$/.test(f)) return k('score');
      if (/min_result\.grade$/.test(f)) return k('grade');
      if (/min_result$/.test(f)) return k('result');
      if (last === 'code') return k('codeChars');
      if (last === 'kind') return k('kind');
      break;
    case 'missing_field':
      if (last === 'min_credits_milli') return k('electiveNeedsMin');
      if (/^grants\[\d+\]\.credits_milli$/.test(f)) return k('grantNeedsCredits');
      if (f === 'plan') return k('planMissing');
      break;
    case 'out_of_range':
      if (f === 'total_credits_milli') return k('groupsExceedTotal');
      if (['groups', 'courses', 'conditions', 'grants'].includes(f)) return k('itemCount');
      break;
    case 'invalid_date':
      return f === 'effective_to' ? k('dateOrder') : k('date');
    case 'not_found':
      if (f === 'account_no') return k('notEnrolled');
      break;
    default:
      break;
  }
  return errorText(e);
}
