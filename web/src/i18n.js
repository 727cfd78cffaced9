import { createI18n } from 'vue-i18n';
import zhCN from './locales/zh-CN.js';
import en from './locales/en.js';

export const LOCALES = ['zh-CN', 'en'];

export const i18n = createI18n({
  legacy: false,
  globalInjection: true,
  locale: 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
  datetimeFormats: {
    'zh-CN': {
      short: { year: 'numeric', month: '2-digit', day: '2-digit' },
      long: { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false },
    },
    en: {
      short: { year: 'numeric', month: 'short', day: 'numeric' },
      long: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false },
    },
  },
  numberFormats: {
    'zh-CN': { percent: { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 } },
    en: { percent: { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 } },
  },
});

export function setI18nLocale(l) {
  i18n.global.locale.value = l;
  document.documentElement.lang = l;
  document.title = i18n.global.t('app.name');
}
