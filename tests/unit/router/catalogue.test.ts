// The catalogues: every message key the code uses exists in English and in Polish, Polish has
// exactly the English keys, and each translation keeps the placeholders its sentence needs.
// Keys are found in the source: literal keys ('stats.title', zod messages 'args.bad_uuid',
// doctor codes) and keys built from a prefix (`action.${reason}`), whose endings are listed here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { en } from '../../../src/i18n/en.ts';
import type { Catalogue, Message, MessageTools } from '../../../src/i18n/i18n.ts';
import { pl } from '../../../src/i18n/pl.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Keys built at run time from a prefix: every ending the code can produce. */
const DYNAMIC: Record<string, string[]> = {
  'action.': ['malformed', 'version', 'signature', 'expired'], // DecodedAction['reason']
  'state.': ['ready', 'delayed', 'processing', 'stuck'], // JobSummary['state']
  'audit.outcome.': ['done', 'nothing', 'refused', 'failed'], // AuditOutcome
  // DatabaseCause (src/db/dialect.ts), and 'refused' for a refusal of no known cause
  'error.db.': ['credentials', 'unknown_database', 'missing_file', 'connection_refused', 'timeout', 'dns', 'tls', 'rights', 'readonly', 'lost', 'refused'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

const namespaces = new Set(Object.keys(en).map((k) => k.split('.')[0]!));
const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'commands'))].filter((f) => !f.includes(`${join('src', 'i18n')}`));

function usedKeys(): { literal: Map<string, string>; prefixes: Map<string, string> } {
  const literal = new Map<string, string>();
  const prefixes = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const where = file.slice(ROOT.length);
    for (const m of text.matchAll(/(['"`])((?:[a-z][a-z0-9_]*\.)+[a-z0-9_]+)\1/g)) {
      // a module specifier such as 'discord.js' is not a catalogue key
      if (text.slice(Math.max(0, m.index! - 6), m.index).includes('from ') || /import\($/.test(text.slice(0, m.index))) continue;
      if (namespaces.has(m[2]!.split('.')[0]!)) literal.set(m[2]!, where);
    }
    for (const m of text.matchAll(/`((?:[a-z][a-z0-9_]*\.)+)\$\{/g)) {
      if (namespaces.has(m[1]!.split('.')[0]!)) prefixes.set(m[1]!, where);
    }
  }
  return { literal, prefixes };
}

/** The {placeholders} of a plain-string message (functions take their parameters directly). */
function placeholders(message: Message): string[] {
  return typeof message === 'string' ? [...new Set([...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort() : [];
}

const tools: MessageTools = {
  locale: 'en',
  plural: (n, forms) => (n === 1 ? forms.one : forms.other).replace(/#/g, String(n)),
  number: (n) => String(n),
};

describe('message catalogues', () => {
  const { literal, prefixes } = usedKeys();

  it('finds the keys the code uses', () => {
    expect(literal.size).toBeGreaterThan(250);
    expect(literal.get('stats.title')).toBe('commands/stats.ts');
    expect(literal.has('args.bad_uuid')).toBe(true); // a zod message, not type-checked
    expect(literal.has('doctor.covering_missing')).toBe(true); // a doctor code, typed as string
  });

  it('every literal key used exists in English and in Polish', () => {
    const missing = [...literal].filter(([key]) => !(key in en) || !(key in pl)).map(([key, file]) => `${key} (${file})`);
    expect(missing).toEqual([]);
  });

  it('every key built from a prefix is known, and each of its endings exists in both', () => {
    expect([...prefixes.keys()].filter((p) => !(p in DYNAMIC))).toEqual([]);
    const missing = Object.entries(DYNAMIC)
      .flatMap(([prefix, endings]) => endings.map((e) => prefix + e))
      .filter((key) => !(key in en) || !(key in pl));
    expect(missing).toEqual([]);
  });

  it('Polish has exactly the English keys: none missing, none extra', () => {
    const enKeys = Object.keys(en).sort();
    const plKeys = Object.keys(pl).sort();
    expect(plKeys.filter((k) => !enKeys.includes(k))).toEqual([]);
    expect(enKeys.filter((k) => !plKeys.includes(k))).toEqual([]);
  });

  it('every Polish message keeps the placeholders of the English one and can be rendered', () => {
    const english = en as Catalogue;
    const polish = pl as Catalogue;
    const problems: string[] = [];
    for (const key of Object.keys(english) as Array<keyof typeof en>) {
      const source = english[key];
      const translated = polish[key];
      if (translated === undefined) continue; // reported by the key test
      if (typeof source === 'string' && typeof translated === 'string') {
        const want = placeholders(source);
        const got = placeholders(translated);
        if (JSON.stringify(want) !== JSON.stringify(got)) problems.push(`${key}: {${want.join('},{')}} in English, {${got.join('},{')}} in Polish`);
      }
      if (typeof translated === 'function') {
        const out = translated(
          {
            n: 2,
            ready: 1,
            delayed: 1,
            processing: 1,
            stuck: 1,
            failed: 1,
            retried: 2,
            skipped: 1,
            reserved: 1,
            queue: 'q',
            age: '5m',
            ids: '#1',
            id: 1,
            threshold: '5m',
            more: '',
            where: 'w',
            name: 'b',
            inspected: 1,
            total: 2,
            retryAfter: '90s',
            attempts: 2,
            page: 1,
            pages: 2,
            connection: 'redis',
            queues: '`a`, `b`',
            jobs: '#1, #2',
          },
          tools,
        );
        if (typeof out !== 'string' || !out.length || out.includes('undefined')) problems.push(`${key}: renders ${JSON.stringify(out)}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
