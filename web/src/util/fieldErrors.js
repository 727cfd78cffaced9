// The errors of a form at its fields, whether the browser found them or the server did: the API
// names the field it refuses ("plan.courses[1].group", "conditions[0].min_result.score") and the
// form shows the message at the input of that path, or above the form when no input has it. Used
// by the editors of a programme's plan, a conversion rule and a certification unit; it never
// sends anything itself.
import { nextTick, reactive, ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { errorText } from './format.js';

// (field) => the path of the form where the API's error for field is shown, or null.
//   strip  a prefix of the API's paths the form does not have (/^plan\.?/)
//   top    the paths shown as they are ('name', 'total_credits_milli'), or a function giving them
//   lists  for each list of rows, by its name in the API:
//          count   a function giving the rows on the form (an index past them is not on the form)
//          fields  the API's name of a field of a row -> the form's ('min_hours_milli' -> 'hours'),
//                  or an array of names the two share; a name also covers what is under it
//                  ('min_result' covers 'min_result.score')
//          row     where an error of a row itself is shown: 'row' ("grants[2]") or 'list'
//                  ("conditions", when the rows have no place of their own)
//          others  true: an error of another field of a row is shown there too; false: above the
//                  form
const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
export function fieldLocator({ strip = null, top = [], lists = {} }) {
  return (field) => {
    let f = String(field || '');
    if (strip) f = f.replace(strip, '');
    if ((typeof top === 'function' ? top() : top).includes(f)) return f;
    const m = /^([a-z_]+)\[(\d+)\](?:\.(.+))?$/.exec(f);
    const list = m && has(lists, m[1]) ? lists[m[1]] : null;
    if (!list || +m[2] >= list.count()) return null;
    const row = `${m[1]}[${m[2]}]`;
    const whole = list.row === 'list' ? m[1] : row;
    const sub = m[3];
    if (!sub) return whole;
    const fields = Array.isArray(list.fields) ? Object.fromEntries(list.fields.map((x) => [x, x])) : list.fields || {};
    for (const api of Object.keys(fields)) if (sub === api || sub.startsWith(api + '.')) return `${row}.${fields[api]}`;
    return list.others ? whole : null;
  };
}

// The errors of one form. formRef: the el-form; locate: a fieldLocator; text: the words for an
// error of the API. The list paths in `clears` ("conditions") are cleared too when any field of
// their rows changes (their error stands for the rows').
export function useFieldErrors({ formRef, locate, text = errorText, clears = [] }) {
  const { t } = useI18n();
  const errors = reactive({});
  const failure = ref(''); // above the form
  const busy = ref(false);

  const err = (path) => errors[path] || '';
  function clear(path) {
    if (errors[path]) delete errors[path];
    for (const list of clears) if (errors[list] && path.startsWith(list + '[')) delete errors[list];
  }
  function clearErrors() {
    for (const k of Object.keys(errors)) delete errors[k];
    failure.value = '';
  }

  // The first error on the form scrolled into view, its input focused.
  async function showFirstError() {
    await nextTick();
    const root = formRef.value && formRef.value.$el;
    const item = root && root.querySelector('.is-error, .plan-row-error');
    if (!item) return;
    item.scrollIntoView({ block: 'center' });
    const input = item.querySelector && item.querySelector('input.el-input__inner, textarea.el-textarea__inner');
    if (input) input.focus({ preventScroll: true });
  }

  function fixFields() {
    failure.value = t('ledger.form.fixFields');
    showFirstError();
  }

  // Sends body with request (async, throws the API's error) unless the browser found errors, and
  // shows the server's refusal at its field. Returns { result } on success, null otherwise.
  async function send(body, request) {
    if (Object.keys(errors).length) {
      fixFields();
      return null;
    }
    busy.value = true;
    try {
      return { result: await request(body) };
    } catch (e) {
      const path = locate(e.field);
      if (path) {
        errors[path] = text(e);
        fixFields();
      } else {
        failure.value = text(e);
      }
      return null;
    } finally {
      busy.value = false;
    }
  }

  return { errors, failure, busy, err, clear, clearErrors, send };
}
