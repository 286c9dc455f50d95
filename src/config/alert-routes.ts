// QUEUE_BOT_ALERT_ROUTES: which channel an alert goes to, who is mentioned when it opens and when
// nobody acknowledged it in time, and the runbook it links — by queue (names and globs) and job
// class (globs). JSON in one variable: a list of routes, the first that matches wins; what no
// route matches goes to QUEUE_BOT_ALERT_SLACK_CHANNEL / QUEUE_BOT_ALERT_DISCORD_CHANNEL.
//
// Mentions are ids only (a Slack user U…/W… or user group S…, a Discord role:… or user:…), so
// what the bot writes as a mention is exactly what this setting says — nothing a job's data holds
// can become one. Every problem is reported with the route's number and name.
import { z } from 'zod';
import type { Mention } from '../reply/model.ts';
import { formatDuration, parseDuration } from './duration.ts';

export interface AlertRoute {
  /** names its messages (`ack stuck@imports`) and the rows that keep them */
  name: string;
  /** queue names or globs (`imports-*`), as incident keys name them (`imports@redis` on a Redis connection) */
  queues: string[];
  /** job class globs (`App\Jobs\Import*`) */
  classes: string[];
  slack: PlatformRoute;
  discord: PlatformRoute;
  /** an open message nobody acknowledged this long after it opened gets one mention (null: never) */
  escalateAfterSec: number | null;
  /** shown on the alert as a link */
  runbook: string | null;
}

export interface PlatformRoute {
  /** null: the platform's default alert channel */
  channel: string | null;
  /** when its message opens */
  mention: Mention[];
  /** when nobody acknowledged it within escalateAfter (the `mention` ones when not given) */
  escalate: Mention[];
}

/** A route's name: short and plain, since it is part of a message's name, its rows' keys and its buttons. */
const ROUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,23}$/;
const SLACK_MENTION = /^[UWS][A-Z0-9]{2,20}$/;
const DISCORD_MENTION = /^(role|user):(\d{15,21})$/;
const SLACK_CHANNEL = /^[^\s<>|&]{1,80}$/;
const DISCORD_CHANNEL = /^\d{15,21}$/;
const PATTERN = /^[^\s]{1,200}$/;

function slackMention(id: string): Mention {
  return { platform: 'slack', id };
}

function discordMention(text: string): Mention {
  const m = DISCORD_MENTION.exec(text)!;
  return { platform: 'discord', type: m[1] as 'role' | 'user', id: m[2]! };
}

const patterns = (what: string) =>
  z
    .array(z.string().regex(PATTERN, `${what} must be non-empty, without spaces`), { message: `must be a list of ${what}` })
    .optional()
    .default([]);

const platformSchema = (platform: 'slack' | 'discord') => {
  const mention =
    platform === 'slack'
      ? z.string().regex(SLACK_MENTION, 'is not a Slack user (U…, W…) or user group (S…) id').transform(slackMention)
      : z.string().regex(DISCORD_MENTION, 'should be role:<id> or user:<id> (Discord ids are 15–21 digits)').transform(discordMention);
  return z
    .strictObject({
      channel: z
        .string()
        .regex(
          platform === 'slack' ? SLACK_CHANNEL : DISCORD_CHANNEL,
          platform === 'slack' ? 'is not a Slack channel id or name' : 'is not a Discord channel id',
        )
        .optional(),
      mention: z.array(mention, { message: 'must be a list of ids' }).optional().default([]),
      escalate: z.array(mention, { message: 'must be a list of ids' }).optional(),
    })
    .optional();
};

const routeSchema = z.strictObject({
  name: z.string({ message: 'is required (letters, digits, - and _, up to 24)' }).regex(ROUTE_NAME, 'should be letters, digits, - and _ (up to 24)'),
  queues: patterns('queue names or globs'),
  classes: patterns('job class patterns'),
  slack: platformSchema('slack'),
  discord: platformSchema('discord'),
  escalateAfter: z
    .string({ message: 'should be a duration such as 15m' })
    .refine((v) => {
      const sec = parseDuration(v);
      return sec !== null && sec >= 60 && sec <= 7 * 86400;
    }, 'should be a duration from 1m to 7d, such as 15m')
    .transform((v) => parseDuration(v)!)
    .optional(),
  runbook: z
    .string()
    .refine((v) => {
      try {
        return ['http:', 'https:'].includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, 'should be an http(s) URL')
    .optional(),
});

type ParsedRoute = z.output<typeof routeSchema>;

function toRoute(r: ParsedRoute): AlertRoute {
  const platform = (p: ParsedRoute['slack']): PlatformRoute => ({
    channel: p?.channel ?? null,
    mention: p?.mention ?? [],
    escalate: p?.escalate ?? p?.mention ?? [],
  });
  return {
    name: r.name,
    queues: r.queues,
    classes: r.classes,
    slack: platform(r.slack),
    discord: platform(r.discord),
    escalateAfterSec: r.escalateAfter ?? null,
    runbook: r.runbook ?? null,
  };
}

/** "route 2 (imports)", or "route 2" before its name is known */
function routeLabel(raw: unknown, index: number): string {
  const name = typeof raw === 'object' && raw !== null && 'name' in raw ? (raw as { name: unknown }).name : undefined;
  return typeof name === 'string' && name ? `route ${index + 1} (${name})` : `route ${index + 1}`;
}

/** "slack.mention[0]" */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

const VAR = 'QUEUE_BOT_ALERT_ROUTES';

/**
 * The routes the variable holds, or every problem found, each naming its route and field. Unset:
 * no routes (every alert goes to the default channels).
 */
export function parseAlertRoutes(text: string | undefined): { routes: AlertRoute[] } | { problems: string[] } {
  if (text === undefined || !text.trim()) return { routes: [] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return {
      problems: [
        `${VAR} is not JSON (${(err as Error).message}); it should be a list of routes, e.g. [{"name":"imports","queues":["imports-*"],"slack":{"channel":"C0123"}}]`,
      ],
    };
  }
  if (!Array.isArray(json)) return { problems: [`${VAR} should be a JSON list of routes ([{…}, {…}]), not ${json === null ? 'null' : typeof json}`] };
  const problems: string[] = [];
  const routes: AlertRoute[] = [];
  json.forEach((raw, index) => {
    const label = routeLabel(raw, index);
    const parsed = routeSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : null;
        if (unknownKeys) {
          const where = issue.path.length ? `${fieldPath(issue.path)}: ` : '';
          problems.push(
            `${VAR}: ${label}: ${where}unknown ${unknownKeys.length > 1 ? 'fields' : 'field'} ${unknownKeys.map((k) => `"${k}"`).join(', ')} (a route has name, queues, classes, slack, discord, escalateAfter, runbook; a platform channel, mention, escalate)`,
          );
          continue;
        }
        const value = issue.path.reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined), raw);
        const shown = typeof value === 'string' ? ` "${value}"` : '';
        const where = issue.path.length ? fieldPath(issue.path) : 'it';
        problems.push(`${VAR}: ${label}: ${where}${shown} ${issue.message}`);
      }
      return;
    }
    const route = toRoute(parsed.data);
    if (!route.queues.length && !route.classes.length) problems.push(`${VAR}: ${label}: names no queues and no classes, so it matches nothing`);
    if (routes.some((r) => r.name === route.name))
      problems.push(`${VAR}: ${label}: the name "${route.name}" is already route ${routes.findIndex((r) => r.name === route.name) + 1}'s`);
    if (route.escalateAfterSec !== null && !route.slack.escalate.length && !route.discord.escalate.length) {
      problems.push(
        `${VAR}: ${label}: escalateAfter ${formatDuration(route.escalateAfterSec)} but nobody to mention (give slack.mention/escalate or discord.mention/escalate)`,
      );
    }
    routes.push(route);
  });
  return problems.length ? { problems } : { routes };
}
