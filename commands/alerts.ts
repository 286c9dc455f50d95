// /queue alerts — what is open and who is on it: each open alert message with its queues or
// failure groups, who acknowledged or snoozed it (and until when), and the queues and groups
// muted, with their ends. Reads queue_bot_alerts only; changes nothing.
import { z } from 'zod';
import { AlertStore } from '../src/alerts/alert-store.ts';
import { groupKey } from '../src/alerts/failure-group.ts';
import { membersOf, messageName } from '../src/alerts/grouping.ts';
import { muteTargetText } from '../src/alerts/mute.ts';
import { reply, type Row } from '../src/reply/model.ts';
import { defineCommand } from '../src/router/command.ts';

/** names listed per message; the rest are counted */
const LISTED = 8;

export default defineCommand<Record<string, never>>({
  name: 'alerts',
  summary: 'help.alerts',
  usage: ['alerts'],
  positional: [],
  schema: z.object({}),
  // `/queue alert list` on Discord, beside ack, snooze, mute and unmute
  discord: [{ name: 'list', group: 'alert', description: 'discord.alert.list', options: [], toText: () => 'alerts' }],
  async run(ctx) {
    const { t } = ctx;
    const saved = await new AlertStore(ctx.queue.database).load();
    const now = ctx.queue.now();
    const open = (saved.messages ?? []).filter((m) => m.status === 'open');
    const messageRows: Row[] = open.map((m) => {
      // the queues (or, for a spike, its failure groups with the key `mute group` takes)
      const names = membersOf(m, saved.incidents).open.flatMap((i) =>
        i.content.kind === 'spike' ? i.content.groups.map((g) => `${g.jobClass} (${groupKey(g.fingerprint)})`) : [i.key.slice(i.key.indexOf(':') + 1)],
      );
      const list = names.slice(0, LISTED).join(', ') + (names.length > LISTED ? ` ${t('alert.more_queues', { n: names.length - LISTED })}` : '');
      const lines = [t('alerts.open_for', { age: t.age(now - m.openedAt), list })];
      if (m.ack) lines.push(t('alerts.acknowledged', { user: m.ack.by, age: t.age(now - m.ack.at) }));
      if (m.snooze && m.snooze.until > now) lines.push(t('alerts.snoozed', { user: m.snooze.by, left: t.age(m.snooze.until - now) }));
      return { key: messageName(m), title: t('alerts.message', { kind: messageName(m) }), lines, tone: 'bad' as const, buttons: [] };
    });
    const mutes = (saved.mutes ?? []).filter((m) => m.until > now).sort((a, b) => a.until - b.until);
    const muteRows: Row[] = mutes.map((m) => ({
      key: t('alerts.muted_key'),
      title: muteTargetText(t, m.target),
      lines: [t('alerts.muted', { user: m.by, left: t.age(m.until - now) })],
      tone: 'warn' as const,
      buttons: [],
    }));
    const data = {
      messages: open.map((m) => ({
        kind: m.kind,
        openedAt: m.openedAt,
        members: m.members,
        acknowledgedBy: m.ack?.by ?? null,
        snoozedUntil: m.snooze?.until ?? null,
      })),
      mutes: mutes.map((m) => ({ ...m.target, by: m.by, until: m.until })),
    };
    if (open.length === 0 && mutes.length === 0) return reply(t('alerts.title'), { summary: t('alerts.none'), data });
    return reply(t('alerts.title'), { summary: t('alerts.summary', { open: open.length, muted: mutes.length }), rows: [...messageRows, ...muteRows], data });
  },
});
