// /queue retry <uuid> | retry all [--queue q] [--class Name]
// One failed job (by uuid, or the start of it as lists show it: only when exactly one starts so),
// or every match (previewed first, confirmed, then run within the boundary the
// preview showed so that nothing the user did not see is retried).
import { formatDuration } from '../src/config/duration.ts';
import { z } from 'zod';
import { inGroup } from '../src/alerts/failure-group.ts';
import { translator, type Translator } from '../src/i18n/i18n.ts';
import type { BulkRetryResult, RetryResult, SkipReason } from '../src/queue/types.ts';
import { errorReply, reply, type Button, type Notice, type Reply } from '../src/reply/model.ts';
import type { Action } from '../src/router/action-id.ts';
import { defineCommand, type CommandContext } from '../src/router/command.ts';
import { isUuid } from '../src/queue/queue-service.ts';
import { hiddenNumber, jobClass, queueName, uuid, uuidOrPrefix } from '../src/router/schemas.ts';
import { failedByPrefix } from '../src/views/id-prefix.ts';
import { queueLabel, retryConfirm, VERBS } from '../src/views/jobs.ts';
import { afterLossNotices, interruptedNotices } from '../src/views/outcomes.ts';

type Args = { target: string; queue?: string; class?: string; maxId?: number; expect?: number; minId?: number; group?: string };

const schema = z
  .object({
    target: z.union([z.literal('all'), uuidOrPrefix]),
    queue: queueName.optional(),
    class: jobClass.optional(),
    maxId: hiddenNumber.optional(),
    expect: hiddenNumber.optional(),
    minId: hiddenNumber.optional(),
    group: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .optional(),
  })
  .refine((a) => a.target === 'all' || (!a.queue && !a.class), { message: 'args.retry_filters_need_all' });

/** failed rows read per look while picking a spike group's rows out of its id range */
const GROUP_PAGE = 500;
/** uuids named per bulk retry (an IN list: SQLite allows 32,766 parameters, PostgreSQL 65,535) */
const UUIDS_PER_RETRY = 1000;

function describeFilter(t: Translator, a: Args): string {
  const parts = [a.queue ? t('list.filter_queue', { queue: a.queue }) : '', a.class ? t('list.filter_class', { class: a.class }) : ''].filter(Boolean);
  return parts.length ? parts.join(', ') : t('retry.all_queues');
}

function skipReason(t: Translator, reason: SkipReason): string {
  return reason.code === 'invalid_json' ? t('retry.reason.invalid_json') : t('retry.reason.uneditable_payload', { detail: reason.detail });
}

export function retryResultReply(t: Translator, result: RetryResult): Reply {
  switch (result.outcome) {
    case 'retried': {
      const notices: Notice[] = [];
      if (result.retryUntil) {
        notices.push({
          tone: 'info',
          text: t(result.retryUntil.source === 'payload' ? 'retry.retry_until_payload' : 'retry.retry_until_setting', {
            window: formatDuration(result.retryUntil.windowSeconds),
          }),
        });
      }
      notices.push(...afterLossNotices(t, result));
      return reply(t('retry.done_title'), {
        summary: t('retry.done', { uuid: result.uuid, queue: queueLabel(result.queue, result.connection), id: result.jobId, job: result.jobClass }),
        notices,
        data: result,
      });
    }
    case 'not_found':
      return errorReply(t('retry.not_found_title'), t('retry.not_found', { uuid: result.uuid }), { data: result });
    case 'invalid_payload':
      return errorReply(t('retry.invalid_title'), t('retry.invalid', { uuid: result.uuid, problem: skipReason(t, result.reason) }), { data: result });
    case 'other_connection':
      return errorReply(
        t('retry.other_connection_title'),
        t('retry.other_connection', { uuid: result.uuid, job: result.jobClass, connection: result.connection }),
        { data: result },
      );
    case 'uncertain':
      return errorReply(t('change.uncertain_title'), t(result.reason === 'unreachable' ? 'retry.uncertain' : 'retry.uncertain_gone', { uuid: result.uuid }), {
        data: result,
      });
  }
}

export function bulkResultReply(t: Translator, result: BulkRetryResult, title: string): Reply {
  const notices: Notice[] = [];
  if (result.gone) notices.push({ tone: 'info', text: t('retry.bulk_gone', { n: result.gone }) });
  if (result.retryUntilExtended) notices.push({ tone: 'info', text: t('retry.bulk_retry_until', { n: result.retryUntilExtended }) });
  for (const [connection, n] of Object.entries(result.otherConnections)) notices.push({ tone: 'warn', text: t('retry.other_connections', { n, connection }) });
  for (const s of result.skipped.slice(0, 10))
    notices.push({ tone: 'warn', text: t('retry.bulk_skipped_one', { uuid: s.uuid, reason: skipReason(t, s.reason) }) });
  if (result.skipped.length > 10) notices.push({ tone: 'warn', text: t('retry.bulk_skipped_more', { n: result.skipped.length - 10 }) });
  notices.unshift(...interruptedNotices(t, result.interrupted));
  return reply(title, {
    summary: t('retry.bulk_done', { retried: result.retried, skipped: result.skipped.length }),
    notices,
    ok: !result.interrupted && (result.retried > 0 || result.skipped.length === 0),
    data: result,
  });
}

async function preview(ctx: CommandContext, args: Args): Promise<Reply> {
  const { t } = ctx;
  const filter = { queue: args.queue, jobClass: args.class };
  const boundary = await ctx.queue.failedBoundary(filter);
  const where = describeFilter(t, args);
  // failed rows of a connection this bot does not serve are counted, and left alone by the retry
  const others = Object.entries(boundary.otherConnections).map(([connection, n]) => ({
    tone: 'warn' as const,
    text: t('retry.other_connections', { n, connection }),
  }));
  const retryable = boundary.count - Object.values(boundary.otherConnections).reduce((a, b) => a + b, 0);
  if (retryable === 0) {
    return reply(t('retry.preview_none_title'), {
      summary: t('retry.preview_none', { where }),
      notices: others,
      data: { outcome: 'nothing_to_do', count: 0, otherConnections: boundary.otherConnections },
    });
  }
  const question = t('retry.preview', { n: retryable, where });
  const confirm = { title: t('confirm.retry_all.title'), text: question, confirm: t('button.retry_n', { n: retryable }), deny: t('confirm.no') };
  const go = ctx.buttons.button(
    t('button.retry_n', { n: retryable }),
    retryAllAction({ queue: args.queue, class: args.class, maxId: boundary.maxId, expect: retryable }),
    { style: 'primary', confirm },
  );
  const no = ctx.buttons.button(t('confirm.no'), { verb: 'no', args: [] });
  return reply(question, {
    summary: t('retry.preview_hint'),
    buttons: [go, no].filter((b): b is Button => b !== null),
    notices: [...others, ...(go ? [] : [{ tone: 'warn' as const, text: t('preview.no_button') }])],
    kind: 'preview',
    data: {
      outcome: 'preview',
      action: 'retry all',
      count: retryable,
      otherConnections: boundary.otherConnections,
      maxId: boundary.maxId,
      queue: args.queue ?? null,
      class: args.class ?? null,
    },
  });
}

/**
 * The confirm button of a retry-all preview, and a failure spike group's Retry: the filter, the
 * highest failed id the preview counted, and how many it counted; for a spike group also its
 * first failed id and its key (`groupKey` of its fingerprint). Read back by `readRetryAllAction`,
 * just below: change both or neither.
 */
export function retryAllAction(p: { queue?: string; class?: string; maxId: number; expect: number; group?: { minId: number; key: string } }): Action {
  const group = p.group ? [String(p.group.minId), p.group.key] : [];
  return { verb: VERBS.retryAll, args: [p.queue ?? '', p.class ?? '', String(p.maxId), String(p.expect), ...group] };
}

function readRetryAllAction([queue, cls, maxId, expect, minId, group]: string[]): Args | null {
  const parsed = schema.safeParse({
    target: 'all',
    queue: queue || undefined,
    class: cls || undefined,
    maxId,
    expect,
    minId: minId || undefined,
    group: group || undefined,
  });
  if (!parsed.success || parsed.data.maxId === undefined) return null;
  // a group is its key and its id range together, or not at all
  return (parsed.data.group === undefined) === (parsed.data.minId === undefined) ? parsed.data : null;
}

/**
 * The rows of a failure spike's group, exactly: those of its id range (its first to its last
 * counted failure) whose fingerprint — queue, class, exception class, masked message, app frame,
 * worked out by the same function the alert tick grouped them with — is the group's. Older
 * failures of the same queue and class lie below the range, another group's rows fail the
 * fingerprint. Read in the bot: a fingerprint is not something SQL can compute.
 */
async function groupMembers(ctx: CommandContext, g: { queue?: string; minId: number; maxId: number; key: string }): Promise<string[]> {
  // the tick's language: a row without a readable exception is fingerprinted by a translated line
  const tickT = translator(ctx.config.locale);
  const uuids: string[] = [];
  let after = g.minId - 1;
  for (;;) {
    const page = await ctx.queue.failedSince(after, GROUP_PAGE);
    for (const f of page) {
      if (f.id > g.maxId) return uuids;
      if ((g.queue === undefined || f.queue === g.queue) && inGroup(tickT, f, g.key)) uuids.push(f.uuid);
    }
    if (page.length < GROUP_PAGE) return uuids;
    after = page[page.length - 1]!.id;
  }
}

/** Retries exactly these failed jobs, oldest first, a slice of uuids per bulk retry, as one result. */
async function retryExactly(ctx: CommandContext, uuids: string[], range: { minId: number; maxId: number }): Promise<BulkRetryResult> {
  let total: BulkRetryResult | null = null;
  for (let i = 0; i === 0 || i < uuids.length; i += UUIDS_PER_RETRY) {
    const part = await ctx.queue.retryFailedBulk({ uuids: uuids.slice(i, i + UUIDS_PER_RETRY), ...range });
    total = total ? addBulk(total, part) : part;
    if (part.interrupted) break;
  }
  return total!;
}

function addBulk(a: BulkRetryResult, b: BulkRetryResult): BulkRetryResult {
  const otherConnections = { ...a.otherConnections };
  for (const [c, n] of Object.entries(b.otherConnections)) otherConnections[c] = (otherConnections[c] ?? 0) + n;
  return {
    ...a,
    matched: a.matched + b.matched,
    retried: a.retried + b.retried,
    skipped: [...a.skipped, ...b.skipped],
    otherConnections,
    gone: a.gone + b.gone,
    retryUntilExtended: a.retryUntilExtended + b.retryUntilExtended,
    chunks: a.chunks + b.chunks,
    interrupted: b.interrupted,
  };
}

export default defineCommand<Args>({
  name: 'retry',
  summary: 'help.retry',
  usage: ['retry <uuid>', 'retry all [--queue q] [--class Name]'],
  positional: ['target'],
  options: ['queue', 'class', 'max-id', 'expect'],
  schema,
  discord: [
    {
      name: 'retry',
      description: 'help.retry',
      options: [{ name: 'uuid', type: 'string', description: 'option.uuid', required: true, autocomplete: 'failed-uuid' }],
      toText: (o) => `retry ${o.uuid ?? ''}`,
    },
    {
      name: 'retry-all',
      description: 'help.retry_all',
      options: [
        { name: 'queue', type: 'string', description: 'option.queue', autocomplete: 'queue' },
        { name: 'class', type: 'string', description: 'option.class' },
      ],
      toText: (o) => ['retry all', o.queue ? `--queue ${o.queue}` : '', o.class ? `--class ${o.class}` : ''].join(' '),
    },
  ],
  async resolve(ctx, args) {
    if (args.target === 'all' || isUuid(args.target)) return { args };
    const named = await failedByPrefix(ctx, args.target, { change: true, notFoundTitle: ctx.t('retry.not_found_title') });
    return 'found' in named ? { args: { ...args, target: named.found.uuid } } : named;
  },
  changes: (a) => (a.target === 'all' ? 'bulk' : 'single'),
  auditTarget: (a) =>
    a.target !== 'all' ? a.target : `all queue=${a.queue ?? '*'} class=${a.class ?? '*'}${a.group ? ` ids=${a.minId}..${a.maxId} group=${a.group}` : ''}`,
  preview,
  actions: {
    [VERBS.retry]: {
      toArgs: ([id]) => (id && uuid.safeParse(id).success ? { target: id } : null),
      async confirm(ctx, args) {
        const f = await ctx.queue.getFailed(args.target);
        return retryConfirm(ctx.t, { uuid: args.target, jobClass: f?.jobClass ?? '?', queue: f?.queue ?? '?' });
      },
    },
    [VERBS.retryAll]: {
      toArgs: readRetryAllAction,
      async confirm(ctx, args) {
        return {
          title: ctx.t('confirm.retry_all.title'),
          text: ctx.t('retry.preview', { n: args.expect ?? 0, where: describeFilter(ctx.t, args) }),
          confirm: ctx.t('button.retry_n', { n: args.expect ?? 0 }),
          deny: ctx.t('confirm.no'),
        };
      },
    },
  },
  async run(ctx, args) {
    const { t } = ctx;
    if (args.target !== 'all') return retryResultReply(t, await ctx.queue.retryFailed(args.target));
    // Confirmed: retry within the boundary the preview showed (the CLI's --yes has none).
    const maxId = args.maxId ?? (await ctx.queue.lastFailedId({ queue: args.queue, jobClass: args.class }));
    const result =
      args.group !== undefined && args.minId !== undefined
        ? await retryExactly(ctx, await groupMembers(ctx, { queue: args.queue, minId: args.minId, maxId, key: args.group }), { minId: args.minId, maxId })
        : await ctx.queue.retryFailedBulk({ queue: args.queue, jobClass: args.class, maxId });
    // The preview counted `expect` retryable rows; what no longer matches was retried or deleted meanwhile.
    const leftOnOtherConnections = Object.values(result.otherConnections).reduce((a, b) => a + b, 0);
    // (cut short, the rows not reached are not gone)
    if (args.expect !== undefined && !result.interrupted) result.gone = Math.max(0, args.expect - (result.matched - leftOnOtherConnections));
    return bulkResultReply(t, result, t('retry.bulk_title', { where: describeFilter(t, args) }));
  },
});
