// Certification units (认证单元) in the portal: their statuses, the characters a unit's code may
// hold, and the words for the API's errors at the field they name. Credits are kept in
// thousandths, as everywhere in Lifelong.
import { i18n } from '../i18n.js';
import { errorText } from './format.js';

const t = (k, p) => i18n.global.t(k, p);
const te = (k) => i18n.global.te(k);

// In the server's order (the statuses of rule versions, which units share).
export const UNIT_STATUSES = ['pending', 'approved', 'rejected'];

// The limits of POST /api/v1/transfer/units (src/transfer/units_db.c).
export const UNIT_LIMITS = { code: 40, name: 100, assessment: 2000, outcomes: 20, outcome: 200, creditsMilli: 30000 };

export function unitStatusName(status) {
  const k = 'transfer.units.status.' + status;
  return te(k) ? t(k) : status || '';
}

export function unitStatusTag(status) {
  return status === 'approved' ? 'success' : status === 'rejected' ? 'danger' : 'warning';
}

// A unit's code is what an outcome is deposited with and what a rule's condition names, so it
// keeps to the characters a condition's code may hold (transfer_code_check in src/transfer/plan.c).
export function isUnitCode(s) {
  return /^[A-Za-z0-9._()-]{1,40}$/.test(String(s || ''));
}

// The words for an error of the units API at its field, in the page's language.
export function unitErrorText(e) {
  if (!e) return '';
  const f = String(e.field || '');
  const k = (key, p) => t('transfer.units.errors.' + key, p);
  switch (e.code) {
    case 'conflict':
      if (f === 'code') return k('codeTaken');
      break;
    case 'out_of_range':
      if (f === 'credits_milli') return k('credits');
      if (f === 'level') return k('level');
      break;
    case 'too_long':
      if (f === 'outcomes') return k('tooManyOutcomes');
      if (/^outcomes\[\d+\]$/.test(f)) return k('outcomeTooLong', { n: UNIT_LIMITS.outcome });
      break;
    case 'missing_field':
      if (f === 'outcomes') return k('needOutcome');
      if (f === 'reason') return k('reasonNeeded');
      break;
    case 'invalid_value':
      if (f === 'code') return k('codeChars');
      if (/^outcomes\[\d+\]$/.test(f)) return k('outcomeBlank');
      break;
    case 'not_pending':
      return k('notPending');
    default:
      break;
  }
  return errorText(e);
}
