// How an incident reads in the channel, with buttons that go through the same confirmation and
// permission path as commands (they are ordinary action ids handled by the router).
import { formatDuration } from '../config/duration.ts';
import type { Translator } from '../i18n/i18n.ts';
import { reply, type Button, type Reply, type Row } from '../reply/model.ts';
import type { ButtonFactory } from '../router/command.ts';
import { queueLabel, releaseConfirm, VERBS } from '../views/jobs.ts';
import { retryAllAction } from '../../commands/retry.ts';
import type { Incident, IncidentContent } from './detector.ts';
import { groupKey } from './failure-group.ts';
import type { AlertMessage } from './grouping.ts';
import { ackAction } from './acknowledge.ts';
import { MUTE_BUTTON_FOR, muteAction, muteConfirm, worstTarget, type MuteTarget } from './mute.ts';
import { SNOOZE_CHOICES, snoozeAction } from './snooze.ts';

/** Queues a kind's message lists; the rest are counted ("…and 4 more queues"). */
const LISTED_QUEUES = 8;
/** Queues (the worst) whose rows carry buttons: enough to act on, few enough to read. */
const QUEUES_WITH_BUTTONS = 3;
/** Jobs named per queue in a message about several queues. */
const JOBS_PER_QUEUE = 3;

const keep = (b: Button | null): b is Button => b !== null;

const SNOOZE_LABEL = { '30m': 'button.snooze_30m', '2h': 'button.snooze_2h', tomorrow: 'button.snooze_tomorrow' } as const;

/** "Mute imports 1h" (a long name cut: Slack's button text holds 75 characters), "Mute worst group 1h" */
function muteButton(t: Translator, buttons: ButtonFactory, message: AlertMessage, target: MuteTarget): Button | null {
  const name = target.name.length > 40 ? `${target.name.slice(0, 39)}…` : target.name;
  const label = target.type === 'queue' ? t('button.mute_queue', { name }) : t('button.mute_group');
  return buttons.button(label, muteAction(message, target), { confirm: muteConfirm(t, target, MUTE_BUTTON_FOR) });
}

type StuckJobView = Extract<IncidentContent, { kind: 'stuck' }>['jobs'][number];

function stuckJobButtons(t: Translator, buttons: ButtonFactory, job: StuckJobView, now: number): Button[] {
  const jobClass = job.jobClass ?? '?';
  return [
    buttons.button(
      t('button.release'),
      { verb: VERBS.release, args: [String(job.id), String(job.reservedAt)] },
      {
        style: 'primary',
        confirm: releaseConfirm(t, { id: job.id, jobClass, queue: job.queue, reservedFor: now - job.reservedAt }),
      },
    ),
    buttons.button(t('button.details'), { verb: VERBS.show, args: [String(job.id)] }),
  ].filter(keep);
}

function stuckRows(t: Translator, buttons: ButtonFactory, c: Extract<IncidentContent, { kind: 'stuck' }>, now: number): Row[] {
  return c.jobs.slice(0, 10).map((job) => {
    const heldFor = now - job.reservedAt;
    const lines = [t('alert.stuck.line', { attempts: job.attempts, age: t.age(heldFor) })];
    if (job.climbing) lines.push(t('alert.stuck.climbing'));
    if (job.expired) lines.push(t('job.reservation_expired'));
    return { key: `#${job.id}`, title: job.jobClass ?? '?', lines, tone: 'bad', buttons: stuckJobButtons(t, buttons, job, now) };
  });
}

/** One row per queue, worst first; the worst few with buttons for their longest-held job. */
function stuckQueueRows(t: Translator, buttons: ButtonFactory, open: readonly Incident[], now: number): Row[] {
  return open.slice(0, LISTED_QUEUES).flatMap((incident, n) => {
    const c = incident.content;
    if (c.kind !== 'stuck') return [];
    const longest = [...c.jobs].sort((a, b) => a.reservedAt - b.reservedAt);
    return [
      {
        key: queueLabel(c.queue, c.connection),
        title: t('alert.stuck.queue_row', { n: c.jobs.length, age: t.age(now - longest[0]!.reservedAt) }),
        lines: longest.slice(0, JOBS_PER_QUEUE).map((job) => {
          const line = t('alert.stuck.job_line', { id: job.id, class: job.jobClass ?? '?', attempts: job.attempts });
          return job.climbing ? `${line} · ${t('alert.stuck.climbing_short')}` : line;
        }),
        tone: 'bad' as const,
        buttons: n < QUEUES_WITH_BUTTONS ? stuckJobButtons(t, buttons, longest[0]!, now) : [],
      },
    ];
  });
}

function stalledQueueRows(t: Translator, buttons: ButtonFactory, open: readonly Incident[]): Row[] {
  return open.slice(0, LISTED_QUEUES).flatMap((incident, n) => {
    const c = incident.content;
    if (c.kind !== 'stalled') return [];
    return [
      {
        key: queueLabel(c.queue, c.connection),
        title: t('alert.stalled.queue_row', {
          age: t.age(c.oldestReadyAgeSeconds),
          threshold: formatDuration(c.thresholdSec),
          n: c.ready,
          more: c.readyAtLeast ? '+' : '',
        }),
        lines: [],
        tone: 'warn' as const,
        buttons:
          n < QUEUES_WITH_BUTTONS ? [buttons.button(t('button.show_waiting'), { verb: 'lp', args: ['1', c.queue, '', c.connection ?? ''] })].filter(keep) : [],
      },
    ];
  });
}

type Spike = Extract<IncidentContent, { kind: 'spike' }>;

function spikeTitle(t: Translator, c: Spike): string {
  return t('alert.spike.title_groups', { n: c.count, more: c.atLeast ? '+' : '', groups: c.groups.length });
}

/** "15 jobs failed 12:01–12:03 in 2 groups" (failed_at as the app wrote it, so in its timezone) */
function spikeSpan(t: Translator, c: Spike): string {
  const clock = (text: string | undefined) => (text && text.length >= 16 ? text.slice(11, 16) : '');
  return t('alert.spike.span', {
    n: c.count,
    more: c.atLeast ? '+' : '',
    groups: c.groups.length,
    from: clock(c.firstFailedAtText),
    to: clock(c.lastFailedAtText),
  });
}

/** A spike's groups, most failures first; with buttons while it is open. */
function spikeRows(t: Translator, buttons: ButtonFactory | null, c: Spike): Row[] {
  return c.groups.slice(0, LISTED_QUEUES).map((g) => ({
    key: `×${g.count}`,
    title: g.jobClass,
    lines: [
      g.exceptionLine,
      g.where ? `${t('job.queue', { queue: g.queue })} · ${g.where}` : t('job.queue', { queue: g.queue }),
      // while open, the key `mute group <key>` takes
      ...(buttons ? [t('alert.spike.group_key', { key: groupKey(g.fingerprint) })] : []),
    ],
    tone: 'bad' as const,
    buttons: !buttons
      ? []
      : [
          buttons.button(
            t('button.retry_n', { n: g.count }),
            // exactly the group's rows: its id range and its fingerprint, checked while retrying
            // (a group stored before groups kept their ids retries its class up to the spike's newest)
            retryAllAction({
              queue: g.queue,
              class: g.jobClass,
              maxId: g.lastId ?? c.maxFailedId,
              expect: g.count,
              ...(g.firstId !== undefined ? { group: { minId: g.firstId, key: groupKey(g.fingerprint) } } : {}),
            }),
            {
              style: 'primary',
              confirm: {
                title: t('confirm.retry_all.title'),
                text: t('retry.preview', {
                  n: g.count,
                  where: `${t('list.filter_queue', { queue: g.queue })}, ${t('list.filter_class', { class: g.jobClass })}`,
                }),
                confirm: t('button.retry_n', { n: g.count }),
                deny: t('confirm.no'),
              },
            },
          ),
          buttons.button(t('button.details'), { verb: VERBS.show, args: [g.sampleUuid] }),
          buttons.button(t('button.show_failed'), { verb: 'lf', args: ['1', g.queue, g.jobClass, ''] }),
        ].filter(keep),
  }));
}

function queueOf(incident: Incident): string {
  const c = incident.content;
  return c.kind === 'spike' ? incident.key : queueLabel(c.queue, c.connection);
}

/** "Resolved since: `mail` after 4m, `sync` after 12m." — the members that cleared while others stay. */
function resolvedSince(t: Translator, resolved: readonly Incident[], now: number): string {
  const list = resolved.slice(0, LISTED_QUEUES).map((i) => t('alert.resolved_queue', { queue: queueOf(i), age: t.age((i.resolvedAt ?? now) - i.openedAt) }));
  const more = resolved.length > LISTED_QUEUES ? ` ${t('alert.more_queues', { n: resolved.length - LISTED_QUEUES })}` : '';
  return t('alert.resolved_meanwhile', { list: list.join(', ') }) + more;
}

/** The title a kind's message has with these incidents open. */
function messageTitle(t: Translator, kind: AlertMessage['kind'], open: readonly Incident[]): string {
  const only = open.length === 1 ? open[0]!.content : null;
  if (only?.kind === 'stuck') return t('alert.stuck.title', { queue: queueLabel(only.queue, only.connection) });
  if (only?.kind === 'stalled') return t('alert.stalled.title', { queue: queueLabel(only.queue, only.connection) });
  if (only?.kind === 'spike') return spikeTitle(t, only);
  return kind === 'stuck' ? t('alert.stuck.group_title', { n: open.length }) : t('alert.stalled.group_title', { n: open.length });
}

/**
 * A kind's one message: a single incident reads as it always has; several are listed worst
 * first, the worst few with buttons, the rest counted. Members that cleared meanwhile are named
 * with how long each lasted.
 */
export function messageReply(
  t: Translator,
  buttons: ButtonFactory,
  message: AlertMessage,
  members: { open: readonly Incident[]; resolved: readonly Incident[] },
  now: number,
  opts: { stuckAfterSec: number; spikeQuietSec: number; reminder?: boolean },
): Reply {
  const { open, resolved } = members;
  const after: Reply['notices'] = [];
  if (open.length > LISTED_QUEUES) after.push({ tone: 'info', text: t('alert.more_queues', { n: open.length - LISTED_QUEUES }) });
  if (resolved.length > 0) after.push({ tone: 'ok', text: resolvedSince(t, resolved, now) });
  // someone is on it: the message says who and since when, and offers no second Acknowledge
  const ack = message.ack;
  if (ack) after.unshift({ tone: 'info', text: t('alert.acknowledged_by', { user: ack.by, age: t.age(now - ack.at) }) });
  // snoozed: quiet for a while, unless it gets worse; a snoozed message offers no second snooze
  const snooze = message.snooze;
  if (snooze) after.unshift({ tone: 'info', text: t('alert.snoozed_by', { user: snooze.by, left: t.age(Math.max(0, snooze.until - now)) }) });
  // one Mute, for the worst queue or group: a button per listed queue would pass Discord's five
  // buttons a row (the message already has four of its own); `mute queue|group …` takes any other
  const worst = worstTarget(open);
  const acknowledge = [
    ...(ack ? [] : [buttons.button(t('button.acknowledge'), ackAction(message))]),
    ...(snooze ? [] : SNOOZE_CHOICES.map((choice) => buttons.button(t(SNOOZE_LABEL[choice]), snoozeAction(message, choice)))),
    ...(worst ? [muteButton(t, buttons, message, worst)] : []),
  ].filter(keep);
  const data = { kind: message.kind, status: 'open', incidents: open.map((i) => i.key), acknowledgedBy: ack?.by ?? null, snoozedUntil: snooze?.until ?? null };
  if (open.length === 1) {
    const single = alertReply(t, buttons, { ...open[0]!, openedAt: message.openedAt }, now, { ...opts, reminder: Boolean(opts.reminder && !ack && !snooze) });
    return { ...single, buttons: [...acknowledge, ...single.buttons], notices: [...single.notices, ...after], data };
  }
  const notices = [
    ...(opts.reminder && !ack && !snooze ? [{ tone: 'warn' as const, text: t('alert.still_open', { age: t.age(now - message.openedAt) }) }] : []),
    ...after,
  ];
  const title = messageTitle(t, message.kind, open);
  if (message.kind === 'stuck') {
    const jobs = open.reduce((n, i) => n + (i.content.kind === 'stuck' ? i.content.jobs.length : 0), 0);
    return reply(title, {
      visibility: 'channel',
      summary: t('alert.stuck.summary', { n: jobs, threshold: formatDuration(opts.stuckAfterSec) }),
      rows: stuckQueueRows(t, buttons, open, now),
      buttons: acknowledge,
      notices,
      data,
    });
  }
  const waiting = open.reduce((n, i) => n + (i.content.kind === 'stalled' ? i.content.ready : 0), 0);
  const atLeast = open.some((i) => i.content.kind === 'stalled' && i.content.readyAtLeast);
  return reply(title, {
    visibility: 'channel',
    summary: t('alert.stalled.group_summary', { n: waiting, more: atLeast ? '+' : '' }),
    rows: stalledQueueRows(t, buttons, open),
    buttons: acknowledge,
    notices,
    data,
  });
}

/** A kind's message once its last incident cleared: what it was about, how long, and each member's own duration. */
export function messageResolvedReply(t: Translator, message: AlertMessage, resolved: readonly Incident[], now: number, opts: { spikeQuietSec: number }): Reply {
  const what = messageTitle(t, message.kind, resolved);
  const spike = resolved.length === 1 && resolved[0]!.content.kind === 'spike' ? resolved[0]!.content : null;
  if (spike) {
    // what failed, when and in how many groups stays readable; the buttons go
    return reply(t('alert.resolved.title', { what }), {
      visibility: 'channel',
      summary: t('alert.spike.resolved_summary', { span: spikeSpan(t, spike), quiet: formatDuration(opts.spikeQuietSec) }),
      rows: spikeRows(t, null, spike),
      data: { kind: message.kind, status: 'resolved', incidents: resolved.map((i) => i.key) },
    });
  }
  const notices = resolved.length > 1 ? [{ tone: 'ok' as const, text: resolvedSince(t, resolved, now) }] : [];
  return reply(t('alert.resolved.title', { what }), {
    visibility: 'channel',
    summary: t('alert.resolved.summary', { age: t.age((message.resolvedAt ?? now) - message.openedAt) }),
    notices,
    data: { kind: message.kind, status: 'resolved', incidents: resolved.map((i) => i.key) },
  });
}

export function alertReply(
  t: Translator,
  buttons: ButtonFactory,
  incident: Incident,
  now: number,
  opts: { stuckAfterSec: number; spikeQuietSec: number; reminder?: boolean },
): Reply {
  const c = incident.content;
  const notices = opts.reminder ? [{ tone: 'warn' as const, text: t('alert.still_open', { age: t.age(now - incident.openedAt) }) }] : [];
  const base = { visibility: 'channel' as const, notices, data: { incident: incident.key, kind: c.kind, status: incident.status } };
  switch (c.kind) {
    case 'stuck':
      return reply(t('alert.stuck.title', { queue: queueLabel(c.queue, c.connection) }), {
        ...base,
        summary: t('alert.stuck.summary', { n: c.jobs.length, threshold: formatDuration(opts.stuckAfterSec) }),
        rows: stuckRows(t, buttons, c, now),
      });
    case 'stalled':
      return reply(t('alert.stalled.title', { queue: queueLabel(c.queue, c.connection) }), {
        ...base,
        summary: t('alert.stalled.summary', {
          age: t.age(c.oldestReadyAgeSeconds),
          threshold: formatDuration(c.thresholdSec),
          n: c.ready,
          more: c.readyAtLeast ? '+' : '',
        }),
        buttons: [
          buttons.button(t('button.show_waiting'), { verb: 'lp', args: ['1', c.queue, '', c.connection ?? ''] }),
          buttons.button(t('button.refresh'), { verb: VERBS.stats, args: [c.queue] }),
        ].filter(keep),
      });
    case 'spike':
      return reply(spikeTitle(t, c), {
        ...base,
        summary: t('alert.spike.open_summary', { span: spikeSpan(t, c), quiet: formatDuration(opts.spikeQuietSec) }),
        rows: spikeRows(t, buttons, c),
        notices: [
          ...notices,
          ...(c.groups.length > LISTED_QUEUES ? [{ tone: 'info' as const, text: t('alert.more_groups', { n: c.groups.length - LISTED_QUEUES }) }] : []),
        ],
      });
  }
}

/** The same message once the incident is over: what it was, and how long it lasted. */
export function resolvedReply(t: Translator, incident: Incident, now: number): Reply {
  const c = incident.content;
  const what =
    c.kind === 'stuck'
      ? t('alert.stuck.title', { queue: queueLabel(c.queue, c.connection) })
      : c.kind === 'stalled'
        ? t('alert.stalled.title', { queue: queueLabel(c.queue, c.connection) })
        : spikeTitle(t, c);
  return reply(t('alert.resolved.title', { what }), {
    visibility: 'channel',
    summary: t('alert.resolved.summary', { age: t.age((incident.resolvedAt ?? now) - incident.openedAt) }),
    data: { incident: incident.key, kind: c.kind, status: 'resolved' },
  });
}

export function databaseBackReply(t: Translator, downForSec: number): Reply {
  return reply(t('alert.db_back.title'), {
    visibility: 'channel',
    summary: t('alert.db_back.summary', { age: t.age(downForSec) }),
    data: { kind: 'database', status: 'resolved' },
  });
}
