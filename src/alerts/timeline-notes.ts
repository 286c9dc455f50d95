// People's actions as lines of an alert's thread: acknowledged, snoozed, muted or unmuted (from a
// button or the words), and a change made from the alert message's own buttons (retry, release,
// cancel, delete). The router tells every change that was made; this writes a line row for the
// message it concerns, which the next tick posts in the thread (timeline-thread.ts). Nothing here
// posts, so an action's answer never waits for a chat platform.
import type { Database } from '../db/database.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { ChangeMade } from '../router/router.ts';
import { actedBy } from './alert-commands.ts';
import { AlertStore } from './alert-store.ts';
import { membersOf, type AlertMessage } from './grouping.ts';
import { muteSnapshot, muteTargetText, type MuteTarget } from './mute.ts';
import type { TimelineEvent } from './timeline.ts';

/** The commands that act on an alert message by name; any other change is a line only when pressed on one. */
const ALERT_COMMANDS = new Set(['ack', 'snooze', 'mute', 'unmute']);

/** A router change listener writing the lines; `t` words them (the bot's language, as the thread's other lines). */
export function timelineNotes(database: Database, t: Translator, now: () => number): (change: ChangeMade) => Promise<void> {
  return async (change) => {
    // a change that found it so already ("already acknowledged", nothing to retry) is not an event
    if (change.outcome !== 'done' && change.outcome !== 'partial') return;
    if (!ALERT_COMMANDS.has(change.command) && !change.pressedOn) return;
    const store = new AlertStore(database);
    const at = now();
    const saved = await store.load(at);
    const messages = saved.messages ?? [];
    const { by } = actedBy(change.who);
    for (const { message, event } of linesOf(change, messages, saved.incidents, by, t)) await store.addLine(message, { at, event });
  };
}

type Data = Record<string, unknown> | null;

/** Which messages get which line for a change (pure, given the stored alerts). */
export function linesOf(
  change: Pick<ChangeMade, 'command' | 'result' | 'pressedOn'>,
  messages: readonly AlertMessage[],
  incidents: Parameters<typeof membersOf>[1],
  by: string,
  t: Translator,
): Array<{ message: AlertMessage; event: TimelineEvent }> {
  const data = change.result.data as Data;
  // (a kind can have a message per alert route, opened in the same tick: the route tells them apart)
  const named = () => {
    const m = messages.find((x) => x.kind === data?.kind && x.openedAt === data?.openedAt && (x.route ?? null) === (data?.route ?? null));
    return m ? [m] : [];
  };
  /** the open messages that show a muted (or unmuted) queue or failure group */
  const showing = (target: MuteTarget) => messages.filter((m) => m.status === 'open' && muteSnapshot(target, membersOf(m, incidents).open) !== null);
  switch (change.command) {
    case 'ack':
      return named().map((message) => ({ message, event: { type: 'ack', by } }));
    case 'snooze':
      return named().map((message) => ({ message, event: { type: 'snooze', by, until: Number(data?.until) } }));
    case 'mute': {
      const target = data?.target as MuteTarget;
      return showing(target).map((message) => ({ message, event: { type: 'mute', by, what: muteTargetText(t, target), until: Number(data?.until) } }));
    }
    case 'unmute': {
      const target = data?.target as MuteTarget;
      return showing(target).map((message) => ({ message, event: { type: 'unmute', by, what: muteTargetText(t, target) } }));
    }
  }
  const on = change.pressedOn;
  if (!on) return [];
  const message = messages.find((m) => m.refs.some((r) => r.platform === on.platform && r.channel === on.channel && r.id === on.id));
  if (!message) return [];
  // the change's own words: "Failed job … has been pushed back onto queue `imports` …"
  return [{ message, event: { type: 'action', by, what: change.result.summary?.trim() || change.result.title } }];
}
