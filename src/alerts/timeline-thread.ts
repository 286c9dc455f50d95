// A tick's part of the alert threads: the lines this tick's changes make, the people's lines
// written since the last tick, and posting what each platform's thread does not have yet — in
// order, through the same PostingPace as the messages. A line that cannot go out now (the platform
// is down, or rate limited past what a tick waits) stops that thread until the next tick; what went
// out is counted in the message's row, so a restart or another replica does not post it again.
import type { ChatPoster, MessageRef } from '../chat/poster.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Logger } from '../log.ts';
import { reply, type Reply } from '../reply/model.ts';
import type { PendingLine } from './alert-store.ts';
import type { Incident } from './detector.ts';
import { membersOf, messageKey, type AlertMessage, type MessageAction } from './grouping.ts';
import {
  lineText,
  moreText,
  newTimeline,
  threadDone,
  threadSteps,
  withLines,
  worseEvents,
  type Timeline,
  type TimelineEvent,
  type TimelineLine,
} from './timeline.ts';

/** What the tick did to one message, for its lines: nothing, or one of its message actions. */
export interface ThreadChange {
  message: AlertMessage;
  action: MessageAction['type'] | null;
  /** its open incidents as the message shows them (muted ones left out) */
  open: readonly Incident[];
  /** the resolved message's words (title — summary), for the resolved line */
  resolved?: string;
}

/**
 * The message's timeline after this tick: the people's lines meant for it and the lines its own
 * change makes (it got worse, a reminder, resolved), in the order they happened. A message just
 * posted starts its timeline with what it shows (no line: the message says it).
 */
export function tickTimeline(change: ThreadChange, people: readonly PendingLine[], at: number): Timeline {
  const { message, action, open } = change;
  const before = message.timeline ?? newTimeline(open);
  const events: TimelineEvent[] = [];
  let worst = before.worst;
  if (message.status === 'open' && action !== 'post') {
    const worse = worseEvents(before.worst, open, message.kind);
    events.push(...worse.events);
    worst = worse.worst;
  }
  if (action === 'remind') events.push({ type: 'remind', openFor: at - message.openedAt });
  if (action === 'resolve' && change.resolved) events.push({ type: 'resolved', summary: change.resolved });
  const seq = before.lines.length + before.more;
  const ticked: TimelineLine[] = events.map((event, n) => ({ id: `tick:${at}:${seq + n}`, at, event }));
  const key = messageKey(message);
  const mine = people.filter((p) => p.message === key).map((p) => p.line);
  // people's lines happened before this tick looked; a stable sort keeps each side's own order
  const lines = [...mine, ...ticked].sort((a, b) => a.at - b.at);
  return withLines({ ...before, worst }, lines);
}

export interface ThreadPoster {
  poster: ChatPoster;
}

/**
 * Posts what each platform's thread of `message` lacks, in order, stopping a thread at its first
 * failure (tried again next tick). Updates message.timeline as lines go out.
 */
export async function postThread(message: AlertMessage, targets: readonly ThreadPoster[], t: Translator, timeZone: string, logger: Logger): Promise<void> {
  for (const { poster } of targets) {
    const parent = message.refs.find((r) => r.platform === poster.platform);
    if (!parent || !message.timeline) continue;
    for (const step of threadSteps(message.timeline, poster.platform)) {
      try {
        const timeline: Timeline = message.timeline;
        if (step.do === 'post') {
          await poster.postInThread(parent, lineReply(lineText(t, step.line, timeZone), step.line.event.type));
          message.timeline = { ...timeline, sent: { ...timeline.sent, [poster.platform]: step.index + 1 } };
        } else if (step.do === 'post-more') {
          const ref = await poster.postInThread(parent, lineReply(moreText(t, step.n), 'more'));
          message.timeline = { ...timeline, moreShown: { ...timeline.moreShown, [poster.platform]: { ref, n: step.n } } };
        } else {
          await poster.update(step.ref, lineReply(moreText(t, step.n), 'more'));
          message.timeline = { ...timeline, moreShown: { ...timeline.moreShown, [poster.platform]: { ref: step.ref, n: step.n } } };
        }
      } catch (err) {
        logger.error({ err, platform: poster.platform, channel: parent.channel }, "could not post a line in an alert's thread; will try again next tick");
        break;
      }
    }
  }
}

/**
 * A tick's threads, after its messages were posted and edited: every message this tick acted on,
 * every open one (it may have got worse without an edit: a stalled queue's jobs double), and every
 * resolved one whose thread is not complete yet. Lines go out; a resolved message whose thread is
 * still short is added to `messages` (kept, `closed`: its "resolved" edit is not made again) until
 * it is complete. Returns the keys of the people's line rows taken (every one loaded: a line whose
 * message is gone has no thread to go to).
 */
export async function tickThreads(input: {
  /** the messages as the tick loaded them */
  previous: readonly AlertMessage[];
  /** the messages the tick keeps (its save writes these) */
  messages: AlertMessage[];
  actions: readonly MessageAction[];
  visible: readonly Incident[];
  people: readonly PendingLine[];
  at: number;
  /** the resolved message's words, for its last line */
  resolvedText: (message: AlertMessage, resolved: readonly Incident[]) => string;
  targets: readonly ThreadPoster[];
  t: Translator;
  timeZone: string;
  logger: Logger;
}): Promise<string[]> {
  const { messages, at, visible } = input;
  const changes = new Map<string, ThreadChange>();
  for (const { type, message } of input.actions) {
    const members = membersOf(message, visible);
    changes.set(messageKey(message), {
      message,
      action: type,
      open: members.open,
      ...(type === 'resolve' ? { resolved: input.resolvedText(message, members.resolved) } : {}),
    });
  }
  for (const message of messages) {
    if (message.status === 'open' && !changes.has(messageKey(message)))
      changes.set(messageKey(message), { message, action: null, open: membersOf(message, visible).open });
  }
  for (const left of input.previous) {
    // (for a day at most, as its "resolved" edit: a thread that cannot be completed is let go)
    if (left.status !== 'resolved' || changes.has(messageKey(left)) || threadComplete(left) || at - (left.resolvedAt ?? at) >= 86400) continue;
    // (its "resolved" edit may have failed again: then `messages` holds it)
    const message = messages.find((m) => messageKey(m) === messageKey(left)) ?? left;
    changes.set(messageKey(message), { message, action: null, open: [] });
  }
  for (const change of changes.values()) {
    change.message.timeline = tickTimeline(change, input.people, at);
    await postThread(change.message, input.targets, input.t, input.timeZone, input.logger);
    if (change.message.status === 'resolved' && !threadComplete(change.message) && !messages.includes(change.message)) {
      change.message.timeline = { ...change.message.timeline, closed: true };
      messages.push(change.message);
    }
  }
  return input.people.map((p) => p.line.id);
}

/** Whether every platform that has the message has its whole thread. */
export function threadComplete(message: AlertMessage): boolean {
  return !message.timeline || threadDone(message.timeline, platformsOf(message.refs));
}

function platformsOf(refs: readonly MessageRef[]): Array<MessageRef['platform']> {
  return [...new Set(refs.map((r) => r.platform))];
}

/** A thread line: one short header, no buttons. */
function lineReply(text: string, type: string): Reply {
  return reply(text, { visibility: 'channel', data: { timeline: type } });
}
