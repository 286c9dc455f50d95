// The shapes of a message, apart from the catalogues and the translator: en.ts and pl.ts import
// their types from here, so no catalogue imports i18n.ts, which imports them both.
import type { Locale } from '../config/config.ts';

export type Params = Record<string, string | number | null | undefined>;
export type Message = string | ((p: Params, tools: MessageTools) => string);

export interface MessageTools {
  locale: Locale;
  /** picks the plural form: one / few / many / other (Polish needs all four) */
  plural(count: number, forms: { one: string; few?: string; many?: string; other: string }): string;
  number(n: number): string;
}
