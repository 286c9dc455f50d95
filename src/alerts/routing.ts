// Routing and ownership (QUEUE_BOT_ALERT_ROUTES), decided without I/O: which route an incident
// goes to (the first whose queues or classes match; none: the default channels), what each route's
// messages show (a spike split by its groups' routes), who an alert mentions, the runbook it links,
// and when a message nobody acknowledged escalates.
//
// Incidents keep their own keys (`stuck:imports`), so their history and "resolved" timing stay
// exact; a route only decides which message — one per kind and route — lists them.
import type { AlertRoute } from '../config/alert-routes.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Mention, Reply } from '../reply/model.ts';
import { fingerprint, type Incident } from './detector.ts';
import { ALERT_KINDS, planMessages, type AlertKind, type AlertMessage, type MessageAction } from './grouping.ts';
import { withoutMuted, type Mute } from './mute.ts';

export type { AlertRoute } from '../config/alert-routes.ts';

/** A glob: `*` stands for any run of characters, everything else for itself; the whole text must match. */
export function globMatches(pattern: string, text: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === text;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!text.startsWith(first) || text.length < first.length + last.length || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = text.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

/**
 * The first route whose queues match the queue (by name, or as `imports@redis` on a Redis
 * connection) or whose classes match one of the job classes; null: the default channels.
 */
export function routeFor(routes: readonly AlertRoute[], where: { queue: string; connection?: string; classes: readonly string[] }): AlertRoute | null {
  const names = where.connection ? [where.queue, `${where.queue}@${where.connection}`] : [where.queue];
  return (
    routes.find((r) => r.queues.some((p) => names.some((n) => globMatches(p, n))) || r.classes.some((p) => where.classes.some((c) => globMatches(p, c)))) ??
    null
  );
}

/** The incidents with the route each goes to written on them: a stuck or stalled queue whole, a spike per group. */
export function withRoutes(incidents: readonly Incident[], routes: readonly AlertRoute[]): Incident[] {
  return incidents.map((i) => {
    const c = i.content;
    if (c.kind === 'spike') {
      const groups = c.groups.map(({ route: _old, ...g }) => {
        const route = routeFor(routes, { queue: g.queue, classes: [g.jobClass] });
        return route ? { ...g, route: route.name } : g;
      });
      return { ...i, content: { ...c, groups } };
    }
    const { route: _old, ...rest } = c;
    const classes = c.kind === 'stuck' ? c.jobs.flatMap((j) => (j.jobClass ? [j.jobClass] : [])) : [];
    const route = routeFor(routes, { queue: c.queue, ...(c.connection ? { connection: c.connection } : {}), classes });
    return { ...i, content: route ? { ...rest, route: route.name } : rest } as Incident;
  });
}

/**
 * What the messages of `route` (undefined: the default channels) show: its stuck and stalled
 * incidents, and the spike with only its groups (counted again; left out when it has none there).
 */
export function routedTo(route: string | undefined, incidents: readonly Incident[]): Incident[] {
  const out: Incident[] = [];
  for (const i of incidents) {
    const c = i.content;
    if (c.kind !== 'spike') {
      if (c.route === route) out.push(i);
      continue;
    }
    const mine = c.groups.filter((g) => g.route === route);
    if (mine.length === c.groups.length) out.push(i);
    else if (mine.length > 0) {
      const content = { ...c, groups: mine, count: mine.reduce((n, g) => n + g.count, 0) };
      out.push({ ...i, content, fingerprint: fingerprint(content) });
    }
  }
  return out;
}

/**
 * The messages to post, edit, remind or resolve: one per kind and route, each planned from its
 * route's incidents alone (so #imports and #alerts each list only their own queues). A route no
 * longer configured still has its open messages resolved.
 */
export function planRoutedMessages(
  previous: readonly AlertMessage[],
  /** every incident kept, routes written on them */
  kept: readonly Incident[],
  /** what is not muted (withoutMuted) */
  visible: readonly Incident[],
  holding: readonly Mute[],
  now: number,
  remindSec: number,
  routes: readonly AlertRoute[],
): { actions: MessageAction[]; messages: AlertMessage[] } {
  const destinations = [undefined, ...new Set([...routes.map((r) => r.name), ...previous.flatMap((m) => (m.route ? [m.route] : []))])];
  const actions: MessageAction[] = [];
  const messages: AlertMessage[] = [];
  for (const route of destinations) {
    // kinds with a muted incident open on this route: their message stays out, not "resolved"
    const silenced: Set<AlertKind> = withoutMuted(routedTo(route, kept), holding, now).silenced;
    const planned = planMessages(
      previous.filter((m) => m.route === route),
      routedTo(route, visible),
      now,
      remindSec,
      silenced,
      route,
    );
    actions.push(...planned.actions);
    messages.push(...planned.messages);
  }
  // the order a tick posts in: by kind (stuck, stalled, spike), the default channels first within one
  const order = (m: AlertMessage) => ALERT_KINDS.indexOf(m.kind) * (destinations.length + 1) + destinations.indexOf(m.route);
  actions.sort((a, b) => order(a.message) - order(b.message));
  return { actions, messages };
}

/** The route a message belongs to; null for the default channels or a route no longer configured. */
export function routeOf(routes: readonly AlertRoute[], message: Pick<AlertMessage, 'route'>): AlertRoute | null {
  return message.route ? (routes.find((r) => r.name === message.route) ?? null) : null;
}

/** Where a message of `route` goes on a platform: the route's channel, else the default one (null: not there). */
export function channelFor(route: AlertRoute | null, platform: 'slack' | 'discord', defaults: { slack: string | null; discord: string | null }): string | null {
  return route?.[platform].channel ?? defaults[platform];
}

/** Who a route's message mentions when it opens (on each platform). */
export function openMentions(route: AlertRoute | null): Mention[] {
  return route ? [...route.slack.mention, ...route.discord.mention] : [];
}

/** Who it mentions when nobody acknowledged it in time. */
export function escalationMentions(route: AlertRoute | null): Mention[] {
  return route ? [...route.slack.escalate, ...route.discord.escalate] : [];
}

/**
 * A route's message as it is drawn: its people (the only mentions a message can carry; job data
 * is escaped by the renderers) and its runbook. The tick draws the people on every post and edit,
 * so an edit keeps them and only the new message notifies; a command's answer (`ack`, a press
 * redrawn by the router) leaves them out (`people: false`): typed, it is a new message, and would
 * notify them again.
 */
export function withRouting(t: Translator, reply: Reply, route: AlertRoute | null, opts: { people?: boolean } = {}): Reply {
  if (!route) return reply;
  const mentions = opts.people === false ? [] : openMentions(route);
  return {
    ...reply,
    ...(mentions.length ? { mentions } : {}),
    ...(route.runbook ? { links: [...(reply.links ?? []), { label: t('alert.runbook'), url: route.runbook }] } : {}),
  };
}

/**
 * Whether an open message escalates now: its route has escalateAfter, it has been open that long,
 * nobody acknowledged it, it is not snoozed, something of it is showing (not all muted), and it
 * has not escalated before (once per message, remembered in its row).
 */
export function escalationDue(message: AlertMessage, route: AlertRoute | null, showing: number, now: number): boolean {
  if (!route || route.escalateAfterSec === null || !escalationMentions(route).length) return false;
  if (message.status !== 'open' || message.escalatedAt !== undefined || message.ack) return false;
  if (message.snooze && message.snooze.until > now) return false;
  if (showing === 0) return false;
  return now - message.openedAt >= route.escalateAfterSec;
}

/** The escalation: one short reply in the alert's thread that mentions the route's escalation list. */
export function escalationReply(t: Translator, route: AlertRoute, openedAt: number, now: number): Reply {
  return {
    kind: 'answer',
    title: t('alert.escalated.title', { age: t.age(now - openedAt) }),
    summary: t('alert.escalated.summary', { age: t.age(now - openedAt) }),
    fields: [],
    rows: [],
    notices: [],
    buttons: [],
    visibility: 'channel',
    ok: true,
    mentions: escalationMentions(route),
    ...(route.runbook ? { links: [{ label: t('alert.runbook'), url: route.runbook }] } : {}),
    data: { kind: 'escalation', route: route.name, openedAt, at: now },
  };
}
