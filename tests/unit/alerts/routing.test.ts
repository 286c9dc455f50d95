// Routing and ownership, decided without I/O: which route an incident goes to (queue globs, class
// patterns, the first that matches wins, the default channels otherwise), one message per kind
// and route each listing only its incidents (a spike split by its groups), the mentions and the
// runbook each platform's renderer writes, job data that cannot mention anyone, and when an
// unacknowledged message escalates.
import { describe, expect, it } from 'vitest';
import { evaluate, type AlertSettings, type NewFailure, type StuckJob } from '../../../src/alerts/detector.ts';
import { membersOf, messageKey, messageNamed, type AlertMessage } from '../../../src/alerts/grouping.ts';
import { escalationDue, globMatches, routeFor, routedTo, withRouting, type AlertRoute } from '../../../src/alerts/routing.ts';
import { renderReply } from '../../../src/chat/discord/render.ts';
import { renderMessage } from '../../../src/chat/slack/render.ts';
import { parseAlertRoutes } from '../../../src/config/alert-routes.ts';
import { translator } from '../../../src/i18n/i18n.ts';
import { reply } from '../../../src/reply/model.ts';
import { renderText } from '../../../src/reply/render-text.ts';
import { fresh, obs } from '../../support/alert-observations.ts';

const t = translator('en');
const T0 = Date.UTC(2026, 10, 30, 12, 0, 0) / 1000;

function routes(json: unknown): AlertRoute[] {
  const parsed = parseAlertRoutes(JSON.stringify(json));
  if ('problems' in parsed) throw new Error(parsed.problems.join('\n'));
  return parsed.routes;
}

const ROUTES = routes([
  {
    name: 'imports',
    queues: ['imports', 'imports-*'],
    classes: ['App\\Jobs\\Import*'],
    slack: { channel: 'C0IMPORTS', mention: ['S0IMPORTS', 'U0ANA'] },
    discord: { channel: '700000000000000009', mention: ['role:800000000000000001'], escalate: ['user:800000000000000002'] },
    escalateAfter: '15m',
    runbook: 'https://wiki.example.com/runbooks/imports',
  },
  { name: 'mail', queues: ['mail', 'imports-mail'], slack: { mention: ['U0BOB'] } },
]);

const settings: AlertSettings = {
  stuckAfterSec: 300,
  waitAfterSec: 600,
  waitAfterByQueue: {},
  failedSpike: 3,
  spikeQuietSec: 600,
  remindSec: 3600,
  routes: ROUTES,
};
const waiting = (name: string) => ({ name, ready: 5, oldestReadyAgeSeconds: 3600 });
const stuck = (id: number, queue: string, jobClass?: string): StuckJob => ({
  id,
  queue,
  attempts: 1,
  reservedAt: T0 - 900,
  climbing: false,
  expired: false,
  ...(jobClass ? { jobClass } : {}),
});
const failure = (id: number, queue: string, jobClass: string): NewFailure => ({
  id,
  uuid: `u-${id}`,
  queue,
  jobClass,
  exceptionLine: 'RuntimeException: boom',
  exceptionClass: 'RuntimeException',
  message: 'boom',
  where: null,
});

describe('which route an incident goes to', () => {
  it('globs: * is any run of characters, the rest is literal, the whole name must match', () => {
    expect(globMatches('imports', 'imports')).toBe(true);
    expect(globMatches('imports', 'imports-eu')).toBe(false);
    expect(globMatches('imports-*', 'imports-eu')).toBe(true);
    expect(globMatches('imports-*', 'imports-')).toBe(true);
    expect(globMatches('imports-*', 'imports')).toBe(false);
    expect(globMatches('*-high', 'mail-high')).toBe(true);
    expect(globMatches('*', 'anything')).toBe(true);
    expect(globMatches('a*b*c', 'abc')).toBe(true);
    expect(globMatches('a*b*c', 'acb')).toBe(false);
    expect(globMatches('ab*ba', 'aba')).toBe(false);
    expect(globMatches('App\\Jobs\\Import*', 'App\\Jobs\\ImportCsv')).toBe(true);
    expect(globMatches('App\\Jobs\\Import*', 'App\\Jobs\\Export')).toBe(false);
    // a dot or a bracket is itself, not a regular expression
    expect(globMatches('mail.high', 'mailxhigh')).toBe(false);
  });

  it('by queue (or queue@connection), or by job class; the first that matches wins; none: the default channels', () => {
    expect(routeFor(ROUTES, { queue: 'imports-eu', classes: [] })?.name).toBe('imports');
    // imports-mail matches both: the first route wins
    expect(routeFor(ROUTES, { queue: 'imports-mail', classes: [] })?.name).toBe('imports');
    expect(routeFor(ROUTES, { queue: 'mail', classes: [] })?.name).toBe('mail');
    expect(routeFor(ROUTES, { queue: 'default', classes: ['App\\Jobs\\ImportCsv'] })?.name).toBe('imports');
    expect(routeFor(ROUTES, { queue: 'default', classes: ['App\\Jobs\\SendMail'] })).toBeNull();
    const redis = routes([{ name: 'r', queues: ['imports@redis'] }]);
    expect(routeFor(redis, { queue: 'imports', connection: 'redis', classes: [] })?.name).toBe('r');
    expect(routeFor(redis, { queue: 'imports', classes: [] })).toBeNull();
    expect(routeFor([], { queue: 'imports', classes: [] })).toBeNull();
  });
});

describe('one message per kind and route', () => {
  it('three stalled queues, imports routed: a message in each place, each listing only its own queues', () => {
    const r = evaluate(fresh, obs(T0, { queues: [waiting('imports'), waiting('default'), waiting('reports')] }), settings);
    expect(r.messageActions.map((a) => [a.type, a.message.kind, a.message.route ?? null])).toEqual([
      ['post', 'stalled', null],
      ['post', 'stalled', 'imports'],
    ]);
    const [general, imports] = r.memory.messages!;
    expect(membersOf(general!, r.visible).open.map((i) => i.key)).toEqual(['stalled:default', 'stalled:reports']);
    expect(membersOf(imports!, r.visible).open.map((i) => i.key)).toEqual(['stalled:imports']);
    // each incident keeps its own key and history; the messages' rows do not collide
    expect(r.memory.incidents.map((i) => i.key).sort()).toEqual(['stalled:default', 'stalled:imports', 'stalled:reports']);
    expect(messageKey(general!)).toBe(`~message:stalled:${T0}`);
    expect(messageKey(imports!)).toBe(`~message:stalled@imports:${T0}`);

    // imports clears: only its message is resolved; the other is untouched
    const next = evaluate(r.memory, obs(T0 + 60, { queues: [waiting('default'), waiting('reports')] }), settings);
    expect(next.messageActions.map((a) => [a.type, a.message.route ?? null])).toEqual([['resolve', 'imports']]);
  });

  it('a stuck queue goes by a job class when its queue is not routed', () => {
    const r = evaluate(fresh, obs(T0, { stuckJobs: [stuck(1, 'default', 'App\\Jobs\\ImportCsv'), stuck(2, 'mail', 'App\\Jobs\\Send')] }), settings);
    expect(r.memory.messages!.map((m) => [m.route, m.members])).toEqual([
      ['imports', ['stuck:default']],
      ['mail', ['stuck:mail']],
    ]);
  });

  it('a spike is split by its groups: each route lists and counts its own', () => {
    const failures = [
      ...[1, 2, 3, 4].map((id) => failure(id + 100, 'imports', 'App\\Jobs\\ImportCsv')),
      ...[5, 6].map((id) => failure(id + 100, 'default', 'App\\Jobs\\Report')),
    ];
    const r = evaluate(fresh, obs(T0, { newFailures: failures, maxFailedId: 106 }), settings);
    expect(r.messageActions.map((a) => [a.type, a.message.kind, a.message.route ?? null])).toEqual([
      ['post', 'spike', null],
      ['post', 'spike', 'imports'],
    ]);
    const parts = r.memory.messages!.map((m) => membersOf(m, r.visible).open[0]!.content);
    expect(parts.map((c) => (c.kind === 'spike' ? [c.count, c.groups.map((g) => g.jobClass)] : null))).toEqual([
      [2, ['App\\Jobs\\Report']],
      [4, ['App\\Jobs\\ImportCsv']],
    ]);
    // the incident itself stays whole (one key, all its groups)
    expect(r.memory.incidents.find((i) => i.key === 'spike')?.content).toMatchObject({ count: 6 });
    expect(routedTo('mail', r.visible)).toEqual([]);
  });

  it('no routes: everything as before, one message per kind in the default channels', () => {
    const r = evaluate(fresh, obs(T0, { queues: [waiting('imports'), waiting('default')] }), { ...settings, routes: [] });
    expect(r.memory.messages!.map((m) => [m.kind, m.route ?? null, m.members])).toEqual([['stalled', null, ['stalled:default', 'stalled:imports']]]);
  });

  it('`ack stalled` names the default channels’ message, `ack stalled@imports` the routed one, a queue its own', () => {
    const r = evaluate(fresh, obs(T0, { queues: [waiting('imports'), waiting('default')] }), settings);
    const messages = r.memory.messages!;
    const named = (name: string, openedAt?: number) => {
      const found = messageNamed(messages, name, openedAt);
      return 'message' in found ? (found.message.route ?? null) : found.problem;
    };
    expect(named('stalled')).toBeNull();
    expect(named('stalled@imports')).toBe('imports');
    expect(named('stalled:imports')).toBe('imports');
    expect(named('stalled@mail')).toBe('none_open');
    expect(named('stalled@imports', T0)).toBe('imports');
    expect(named('stalled', T0)).toBeNull();
    expect(named('stalled@imports', T0 - 60)).toBe('over');
  });
});

describe('who an alert mentions, and its runbook', () => {
  const imports = ROUTES[0]!;
  const alert = withRouting(t, reply('Stuck jobs on `imports`', { visibility: 'channel', summary: '2 jobs held' }), imports);

  it('Slack: user groups as <!subteam^…>, users as <@…>, in the text that notifies and as the first line; the runbook as a link', () => {
    const m = renderMessage(alert, { t, messageId: 'm1' });
    expect(m.text.startsWith('<!subteam^S0IMPORTS> <@U0ANA> Stuck jobs on imports')).toBe(true);
    expect(m.blocks[1]).toMatchObject({ type: 'section', text: { text: '<!subteam^S0IMPORTS> <@U0ANA>' } });
    expect(JSON.stringify(m.blocks)).toContain('<https://wiki.example.com/runbooks/imports|Runbook>');
    // Discord's people are not Slack's
    expect(JSON.stringify(m)).not.toContain('800000000000000001');
  });

  it('Discord: roles as <@&…>, users as <@…>, in content; allowed_mentions allows exactly those', () => {
    const m = renderReply(alert, { t });
    expect(m.content).toBe('<@&800000000000000001>');
    expect(m.allowed_mentions).toEqual({ parse: [], roles: ['800000000000000001'], users: [] });
    expect(m.embeds[0]!.description).toContain('[Runbook](https://wiki.example.com/runbooks/imports)');
    // nothing routed: no content, nobody allowed
    expect(renderReply(reply('x'), { t })).toMatchObject({ allowed_mentions: { parse: [] } });
    expect(renderReply(reply('x'), { t }).content).toBeUndefined();
  });

  it('job data cannot mention: mention syntax in a class name or an exception message is shown inert', () => {
    const evil = 'App\\Jobs\\<!channel> <@U0BOSS> <!subteam^S0ALL> @everyone @here <@&800000000000000003>';
    const r = reply(evil, {
      visibility: 'channel',
      summary: evil,
      rows: [{ key: '#1', title: evil, lines: [evil], buttons: [] }],
      notices: [{ tone: 'bad', text: evil }],
    });
    const rendered = renderMessage(r, { t, messageId: 'm1' });
    // what Slack parses: the text and every mrkdwn text (the header is plain_text, never parsed)
    const mrkdwn: string[] = [];
    JSON.stringify(rendered, (_k, v: unknown) => {
      if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'mrkdwn') mrkdwn.push((v as { text: string }).text);
      return v;
    });
    expect(mrkdwn.length).toBeGreaterThanOrEqual(4);
    const slack = [rendered.text, ...mrkdwn].join('\n');
    expect(slack).not.toMatch(/<!channel>|<@U0BOSS>|<!subteam\^S0ALL>|<@&/);
    // bare @everyone / @here get a word joiner: never parsed into a broadcast
    expect(slack).not.toMatch(/@(everyone|here)\b/);
    expect(slack).toContain('&lt;!channel&gt;');
    const discord = renderReply(r, { t });
    expect(discord.content).toBeUndefined();
    expect(discord.allowed_mentions).toEqual({ parse: [] });
    expect(JSON.stringify(discord.embeds)).not.toMatch(/(?<!\\)<@&?\d+>/);
  });

  it('an answer to a command (ack, a press) keeps the runbook but mentions no one: it would notify them again', () => {
    const answer = withRouting(t, reply('Stuck jobs on `imports`'), imports, { people: false });
    expect(answer.mentions).toBeUndefined();
    expect(renderMessage(answer, { t, messageId: 'm1' }).text).not.toContain('<');
    expect(renderReply(answer, { t }).allowed_mentions).toEqual({ parse: [] });
    expect(renderText(answer, { color: false, numbered: false }).text).toContain('Runbook: https://wiki.example.com/runbooks/imports');
  });

  it('a runbook URL cannot end its link early on either platform', () => {
    const odd = withRouting(t, reply('x'), { ...imports, runbook: 'https://wiki.example.com/a|b>c (d)' });
    expect(JSON.stringify(renderMessage(odd, { t, messageId: 'm1' }).blocks)).toContain('<https://wiki.example.com/a%7Cb%3Ec (d)|Runbook>');
    expect(renderReply(odd, { t }).embeds[0]!.description).toContain('[Runbook](https://wiki.example.com/a|b%3Ec%20%28d%29)');
  });
});

describe('escalation', () => {
  const imports = ROUTES[0]!;
  const open: AlertMessage = {
    kind: 'stuck',
    route: 'imports',
    status: 'open',
    openedAt: T0,
    announcedAt: T0,
    resolvedAt: null,
    members: ['stuck:imports'],
    fingerprint: 'x',
    refs: [],
  };

  it('once its route’s escalateAfter has passed with nobody acknowledging; never twice, never when acknowledged, snoozed or all muted', () => {
    expect(escalationDue(open, imports, 1, T0 + 14 * 60)).toBe(false);
    expect(escalationDue(open, imports, 1, T0 + 15 * 60)).toBe(true);
    expect(escalationDue({ ...open, escalatedAt: T0 + 900 }, imports, 1, T0 + 3600)).toBe(false);
    expect(escalationDue({ ...open, ack: { by: 'ana', userId: 'slack:U1', at: T0 + 60 } }, imports, 1, T0 + 3600)).toBe(false);
    const snooze = { by: 'ana', userId: 'slack:U1', at: T0, until: T0 + 7200, jobs: 1, groups: [] };
    expect(escalationDue({ ...open, snooze }, imports, 1, T0 + 3600)).toBe(false);
    expect(escalationDue({ ...open, snooze }, imports, 1, T0 + 7200)).toBe(true);
    expect(escalationDue(open, imports, 0, T0 + 3600)).toBe(false);
    expect(escalationDue({ ...open, status: 'resolved' }, imports, 1, T0 + 3600)).toBe(false);
    // a route without escalateAfter, and the default channels, never escalate
    expect(escalationDue(open, ROUTES[1]!, 1, T0 + 86400)).toBe(false);
    expect(escalationDue(open, null, 1, T0 + 86400)).toBe(false);
  });

  it('mentions the escalate list where given, else the open mentions', () => {
    expect(imports.slack.escalate).toEqual([
      { platform: 'slack', id: 'S0IMPORTS' },
      { platform: 'slack', id: 'U0ANA' },
    ]);
    expect(imports.discord.escalate).toEqual([{ platform: 'discord', type: 'user', id: '800000000000000002' }]);
  });
});
