// QUEUE_BOT_ALERT_ROUTES read through the configuration: a good setting becomes routes; a bad one
// stops the bot with every problem, each naming its route and field.
import { describe, expect, it } from 'vitest';
import { describeConfigProblems, loadConfig } from '../../../src/config/config.ts';

const base = { DATABASE_URL: 'sqlite:/tmp/x.sqlite' };
const problemsOf = (routes: unknown) => {
  const r = loadConfig({ ...base, QUEUE_BOT_ALERT_ROUTES: typeof routes === 'string' ? routes : JSON.stringify(routes) });
  return r.ok ? [] : r.problems;
};

describe('QUEUE_BOT_ALERT_ROUTES', () => {
  it('unset: no routes', () => {
    const r = loadConfig(base);
    expect(r.ok && r.config.alerts.routes).toEqual([]);
  });

  it('a good setting: channels, mentions, escalation and runbook per route, in order', () => {
    const r = loadConfig({
      ...base,
      QUEUE_BOT_ALERT_ROUTES: JSON.stringify([
        {
          name: 'imports',
          queues: ['imports-*'],
          classes: ['App\\Jobs\\Import*'],
          slack: { channel: 'C0IMPORTS', mention: ['S0IMPORTS'] },
          discord: { mention: ['role:800000000000000001'] },
          escalateAfter: '15m',
          runbook: 'https://wiki.example.com/imports',
        },
        { name: 'mail', queues: ['mail'] },
      ]),
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.alerts.routes).toEqual([
      {
        name: 'imports',
        queues: ['imports-*'],
        classes: ['App\\Jobs\\Import*'],
        slack: { channel: 'C0IMPORTS', mention: [{ platform: 'slack', id: 'S0IMPORTS' }], escalate: [{ platform: 'slack', id: 'S0IMPORTS' }] },
        discord: {
          channel: null,
          mention: [{ platform: 'discord', type: 'role', id: '800000000000000001' }],
          escalate: [{ platform: 'discord', type: 'role', id: '800000000000000001' }],
        },
        escalateAfterSec: 900,
        runbook: 'https://wiki.example.com/imports',
      },
      {
        name: 'mail',
        queues: ['mail'],
        classes: [],
        slack: { channel: null, mention: [], escalate: [] },
        discord: { channel: null, mention: [], escalate: [] },
        escalateAfterSec: null,
        runbook: null,
      },
    ]);
  });

  it('a bad setting: the bot refuses to start, naming each bad route and what is wrong', () => {
    expect(problemsOf('[{"name": "imports",')).toEqual([expect.stringMatching(/^QUEUE_BOT_ALERT_ROUTES is not JSON \(.*\); it should be a list of routes/)]);
    expect(problemsOf({ name: 'imports' })).toEqual(['QUEUE_BOT_ALERT_ROUTES should be a JSON list of routes ([{…}, {…}]), not object']);
    const problems = problemsOf([
      { name: 'ok', queues: ['a'] },
      { name: 'imports', queues: ['imports'], slack: { mention: ['@ana'] }, discord: { mention: ['123'] }, runbook: 'wiki/imports' },
      { queues: ['x'], escalateAfter: '5 minutes' },
      { name: 'typo', queue: ['mail'] },
      { name: 'ok', classes: ['X'] },
      { name: 'nobody', queues: ['q'], escalateAfter: '15m' },
      { name: 'nothing' },
    ]);
    expect(problems).toEqual([
      'QUEUE_BOT_ALERT_ROUTES: route 2 (imports): slack.mention[0] "@ana" is not a Slack user (U…, W…) or user group (S…) id',
      'QUEUE_BOT_ALERT_ROUTES: route 2 (imports): discord.mention[0] "123" should be role:<id> or user:<id> (Discord ids are 15–21 digits)',
      'QUEUE_BOT_ALERT_ROUTES: route 2 (imports): runbook "wiki/imports" should be an http(s) URL',
      'QUEUE_BOT_ALERT_ROUTES: route 3: name is required (letters, digits, - and _, up to 24)',
      'QUEUE_BOT_ALERT_ROUTES: route 3: escalateAfter "5 minutes" should be a duration from 1m to 7d, such as 15m',
      'QUEUE_BOT_ALERT_ROUTES: route 4 (typo): unknown field "queue" (a route has name, queues, classes, slack, discord, escalateAfter, runbook; a platform channel, mention, escalate)',
      'QUEUE_BOT_ALERT_ROUTES: route 5 (ok): the name "ok" is already route 1\'s',
      'QUEUE_BOT_ALERT_ROUTES: route 6 (nobody): escalateAfter 15m but nobody to mention (give slack.mention/escalate or discord.mention/escalate)',
      'QUEUE_BOT_ALERT_ROUTES: route 7 (nothing): names no queues and no classes, so it matches nothing',
    ]);
    expect(describeConfigProblems(problems)).toContain('  - QUEUE_BOT_ALERT_ROUTES: route 2 (imports): slack.mention[0] "@ana"');
  });
});
