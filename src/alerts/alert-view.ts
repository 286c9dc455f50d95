// How an incident reads in the channel, with buttons that go through the same confirmation and
// permission path as commands (they are ordinary action ids handled by the router).
import { formatDuration } from '../config/duration.ts';
import type { Translator } from '../i18n/i18n.ts';
import { reply, type Button, type Reply, type Row } from '../reply/model.ts';
import type { ButtonFactory } from '../router/command.ts';
import { queueLabel, releaseConfirm, VERBS } from '../views/jobs.ts';
import type { Incident, IncidentContent } from './detector.ts';

const keep = (b: Button | null): b is Button => b !== null;

function stuckRows(t: Translator, buttons: ButtonFactory, c: Extract<IncidentContent, { kind: 'stuck' }>, now: number): Row[] {
  return c.jobs.slice(0, 10).map((job) => {
    const jobClass = job.jobClass ?? '?';
    const heldFor = now - job.reservedAt;
    const lines = [t('alert.stuck.line', { attempts: job.attempts, age: t.age(heldFor) })];
    if (job.climbing) lines.push(t('alert.stuck.climbing'));
    if (job.expired) lines.push(t('job.reservation_expired'));
    return {
      key: `#${job.id}`,
      title: jobClass,
      lines,
      tone: 'bad',
      buttons: [
        buttons.button(t('button.release'), { verb: VERBS.release, args: [String(job.id), String(job.reservedAt)] }, {
          style: 'primary',
          confirm: releaseConfirm(t, { id: job.id, jobClass, queue: job.queue, reservedFor: heldFor }),
        }),
        buttons.button(t('button.details'), { verb: VERBS.show, args: [String(job.id)] }),
      ].filter(keep),
    };
  });
}

export function alertReply(
  t: Translator,
  buttons: ButtonFactory,
  incident: Incident,
  now: number,
  opts: { stuckAfterSec: number; reminder?: boolean },
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
        summary: t('alert.stalled.summary', { age: t.age(c.oldestReadyAgeSeconds), threshold: formatDuration(c.thresholdSec), n: c.ready }),
        buttons: [
          buttons.button(t('button.show_waiting'), { verb: 'lp', args: ['1', c.queue, '', c.connection ?? ''] }),
          buttons.button(t('button.refresh'), { verb: VERBS.stats, args: [c.queue] }),
        ].filter(keep),
      });
    case 'spike':
      return reply(t('alert.spike.title', { n: c.count, more: c.atLeast ? '+' : '' }), {
        ...base,
        summary: t('alert.spike.summary'),
        rows: c.groups.slice(0, 8).map((g) => ({
          key: `×${g.count}`,
          title: g.jobClass,
          lines: [g.exceptionLine, t('job.queue', { queue: g.queue })],
          tone: 'bad' as const,
          buttons: [
            buttons.button(
              t('button.retry_n', { n: g.count }),
              { verb: VERBS.retryAll, args: [g.queue, g.jobClass, String(c.maxFailedId), String(g.count)] },
              {
                style: 'primary',
                confirm: {
                  title: t('confirm.retry_all.title'),
                  text: t('retry.preview', { n: g.count, where: `${t('list.filter_queue', { queue: g.queue })}, ${t('list.filter_class', { class: g.jobClass })}` }),
                  confirm: t('button.retry_n', { n: g.count }),
                  deny: t('confirm.no'),
                },
              },
            ),
            buttons.button(t('button.details'), { verb: VERBS.show, args: [g.sampleUuid] }),
            buttons.button(t('button.show_failed'), { verb: 'lf', args: ['1', g.queue, g.jobClass, ''] }),
          ].filter(keep),
        })),
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
        : t('alert.spike.title', { n: c.count, more: c.atLeast ? '+' : '' });
  return reply(t('alert.resolved.title', { what }), {
    visibility: 'channel',
    summary: t('alert.resolved.summary', { age: t.age((incident.resolvedAt ?? now) - incident.openedAt) }),
    data: { incident: incident.key, kind: c.kind, status: 'resolved' },
  });
}

export function databaseBackReply(t: Translator, downForSec: number): Reply {
  return reply(t('alert.db_back.title'), { visibility: 'channel', summary: t('alert.db_back.summary', { age: t.age(downForSec) }), data: { kind: 'database', status: 'resolved' } });
}
