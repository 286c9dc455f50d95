// Translation: every word the bot says comes from a catalogue (en.ts, pl.ts), chosen by
// QUEUE_BOT_LOCALE or by the locale a platform sends with the user's request.
import type { Locale } from '../config/config.ts';
import { en, type MessageKey } from './en.ts';
import { pl } from './pl.ts';
import type { Message, MessageTools, Params } from './types.ts';

export type { Message, MessageTools, Params } from './types.ts';
/** Every key of the English catalogue: what each other language provides. */
export type Catalogue = Record<MessageKey, Message>;

export interface Translator {
  locale: Locale;
  (key: MessageKey, params?: Params): string;
  number(n: number): string;
  /** a compact age: 42s, 7m, 3h 12m, 2d 4h (localized units) */
  age(seconds: number): string;
}

const CATALOGUES: Record<Locale, Catalogue> = { en, pl };

/** "pl-PL", "pl", "en-US" → a locale we have, or null. */
export function matchLocale(tag: string | null | undefined): Locale | null {
  const base = String(tag ?? '')
    .toLowerCase()
    .slice(0, 2);
  return base === 'pl' || base === 'en' ? base : null;
}

/**
 * English numbers as Intl.NumberFormat('en-US') writes them (1,234,567), for whole numbers: the
 * first Intl number or plural object loads ICU's locale data, ~10 % of a short CLI call that
 * answers in English. Null for anything else (fractions, -0, beyond 2^53), which Intl formats.
 */
export function englishWholeNumber(n: number): string | null {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return null;
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ',');
  return n < 0 ? `-${digits}` : digits;
}

/** The plural category, by Intl for Polish; English whole numbers are "one" for ±1 alone (CLDR). */
function pluralRules(locale: Locale): (count: number) => string {
  let rules: Intl.PluralRules | undefined;
  const byIntl = (count: number) => (rules ??= new Intl.PluralRules(locale)).select(count);
  if (locale !== 'en') return byIntl;
  return (count) => (Number.isSafeInteger(count) ? (Math.abs(count) === 1 ? 'one' : 'other') : byIntl(count));
}

function numberFormatter(locale: Locale): (n: number) => string {
  let format: Intl.NumberFormat | undefined;
  const byIntl = (n: number) => (format ??= new Intl.NumberFormat(locale === 'pl' ? 'pl-PL' : 'en-US')).format(n);
  if (locale !== 'en') return byIntl;
  return (n) => englishWholeNumber(n) ?? byIntl(n);
}

export function translator(locale: Locale): Translator {
  const catalogue = CATALOGUES[locale];
  const pluralOf = pluralRules(locale);
  const formatNumber = numberFormatter(locale);
  const tools: MessageTools = {
    locale,
    plural(count, forms) {
      const category = pluralOf(count) as 'one' | 'few' | 'many' | 'other';
      const form = forms[category] ?? forms.other;
      return form.replace(/#/g, formatNumber(count));
    },
    number: formatNumber,
  };
  const t = ((key: MessageKey, params: Params = {}) => {
    const message = catalogue[key] ?? en[key];
    if (typeof message === 'function') return message(params, tools);
    return message.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = params[name];
      if (value === undefined || value === null) return whole;
      return typeof value === 'number' ? formatNumber(value) : value;
    });
  }) as Translator;
  t.locale = locale;
  t.number = tools.number;
  t.age = (seconds: number) => {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return t('age.seconds', { n: s });
    if (s < 3600) return t('age.minutes', { n: Math.floor(s / 60) });
    if (s < 86400) {
      const m = Math.floor((s % 3600) / 60);
      return t(m ? 'age.hours_minutes' : 'age.hours', { h: Math.floor(s / 3600), m });
    }
    const h = Math.floor((s % 86400) / 3600);
    return t(h ? 'age.days_hours' : 'age.days', { d: Math.floor(s / 86400), h });
  };
  return t;
}
