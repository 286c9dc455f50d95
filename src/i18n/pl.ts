// Polish. (Temporary: filled in by the translation pass.)
import { en } from './en.ts';
import type { Catalogue } from './i18n.ts';

export const pl: Catalogue = { ...en };
