// /queue show <id|uuid> — one job (by id; a Redis job by its id or uuid) or failed job (by uuid,
// the start of it as lists show it, or its id), fully decoded. Ids are taken as replies write
// them: #1234, 1,234 and 1 234.
import { formatDuration } from '../src/config/duration.ts';
import { z } from 'zod';
import type { Translator } from '../src/i18n/i18n.ts';
import { cutOnWord, oneLine } from '../src/queue/decode/exception.ts';
import { isJobSetting } from '../src/queue/decode/payload.ts';
import type { DecodedPayload } from '../src/queue/decode/types.ts';
import { isUuid, isUuidPrefix } from '../src/queue/queue-service.ts';
import { isRepresentableTime } from '../src/queue/time.ts';
import type { FailedDetail, JobDetail } from '../src/queue/types.ts';
import { errorReply, reply, type Field, type Reply } from '../src/reply/model.ts';
import { defineCommand, type CommandContext } from '../src/router/command.ts';
import { isAddressableId, jobNumberDigits } from '../src/router/schemas.ts';
import { failedByPrefix } from '../src/views/id-prefix.ts';
import { frameText, jobRow, failedRow, queueLabel, VERBS } from '../src/views/jobs.ts';

type Args = { target: string };

/** A Redis job's id: Str::random(32) in the payload (the uuid under Horizon). */
const REDIS_JOB_ID = /^[A-Za-z0-9]{16,64}$/;

function when(t: Translator, at: number | null, now: number): string {
  if (at === null) return t('show.unknown_time');
  // a number no date can stand for is shown as the number the payload holds
  if (!isRepresentableTime(at)) return t('show.not_a_time', { value: String(at) });
  const iso = new Date(at * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC');
  return at <= now ? t('show.ago', { at: iso, age: t.age(now - at) }) : t('show.in', { at: iso, age: t.age(at - now) });
}

function payloadFields(t: Translator, p: DecodedPayload, now: number): Field[] {
  const fields: Field[] = [];
  if (p.uuid) fields.push({ label: t('show.uuid'), value: p.uuid });
  if (p.command.state === 'decoded') {
    // tries, timeout… are shown under Limits, from the payload the worker actually reads
    const args = p.command.arguments.filter((a) => !isJobSetting(a.name));
    if (args.length) fields.push({ label: t('show.arguments'), value: args.map((a) => `${a.name}: ${a.text}`).join('\n') });
    if (p.command.batchId) fields.push({ label: t('show.batch'), value: p.command.batchId });
    if (p.command.chained.length) fields.push({ label: t('show.chained'), value: p.command.chained.join(' → ') });
    if (p.command.delay) fields.push({ label: t('show.delay'), value: p.command.delay });
    if (p.command.wasEncrypted) fields.push({ label: t('show.encryption'), value: t('show.decrypted') });
  } else if (p.command.state === 'encrypted') {
    fields.push({ label: t('show.encryption'), value: p.command.problem, tone: 'warn' });
  } else if (p.command.state === 'unreadable') {
    fields.push({ label: t('show.arguments'), value: p.command.problem, tone: 'warn' });
  }
  if (p.rawData) fields.push({ label: t('show.data'), value: p.rawData.slice(0, 500) });
  const limits = [
    p.maxTries !== null ? t('show.tries', { n: p.maxTries }) : null,
    p.maxExceptions !== null ? t('show.max_exceptions', { n: p.maxExceptions }) : null,
    p.timeout !== null ? t('show.timeout', { age: t.age(p.timeout) }) : null,
    p.backoff ? t('show.backoff', { backoff: p.backoff }) : null,
  ].filter(Boolean);
  if (limits.length) fields.push({ label: t('show.limits'), value: limits.join(' · ') });
  if (p.retryUntil !== null) fields.push({ label: t('show.retry_until'), value: when(t, p.retryUntil, now), tone: p.retryUntil < now ? 'warn' : undefined });
  if (!p.ok && p.problem) fields.push({ label: t('show.payload'), value: p.problem, tone: 'bad' });
  return fields;
}

function jobReply(ctx: CommandContext, job: JobDetail): ReturnType<typeof reply> {
  const { t } = ctx;
  const now = ctx.queue.now();
  const row = jobRow(t, ctx.buttons, job, { withActions: ctx.isOperator, withDetails: false });
  const fields: Field[] = [
    { label: t('show.state'), value: t(`state.${job.state}`), tone: job.state === 'stuck' ? 'bad' : undefined },
    { label: t('show.queue'), value: queueLabel(job.queue, job.connection) },
    { label: t('show.attempts'), value: job.maxTries ? `${job.attempts} / ${job.maxTries}` : String(job.attempts) },
    { label: t('show.created'), value: when(t, job.createdAt, now) },
    { label: job.availableAt !== null && job.availableAt > now ? t('show.available_at') : t('show.available_since'), value: when(t, job.availableAt, now) },
  ];
  if (job.reservedAt !== null)
    fields.push({ label: t('show.reserved'), value: when(t, job.reservedAt, now), tone: job.reservationExpired ? 'warn' : undefined });
  fields.push(...payloadFields(t, job.payload, now));
  const notices = job.reservationExpired
    ? [{ tone: 'warn' as const, text: t('show.reservation_expired', { retryAfter: formatDuration(ctx.queue.retryAfterSec) }) }]
    : [];
  return reply(t('show.job_title', { id: job.id, job: job.displayName }), {
    fields,
    notices,
    buttons: row.buttons,
    data: { job },
  });
}

function failedReply(ctx: CommandContext, f: FailedDetail): ReturnType<typeof reply> {
  const { t } = ctx;
  const now = ctx.queue.now();
  const row = failedRow(t, ctx.buttons, f, { withActions: ctx.isOperator, withDetails: false });
  const fields: Field[] = [
    { label: t('show.queue'), value: `${f.queue} (${f.connection})` },
    { label: t('show.failed_at'), value: f.ageSeconds === null ? f.failedAtText : t('failed.ago', { age: t.age(f.ageSeconds), at: f.failedAtText }) },
  ];
  if (f.exception) {
    const { className, message, where, causes } = f.exception;
    // the message whole up to a screenful (its lines kept); the trace shows the rest
    fields.push({ label: t('show.exception'), value: cutOnWord(`${className}: ${message}`, SHOWN_MESSAGE), tone: 'bad' });
    if (f.exception.file) fields.push({ label: t('show.thrown_at'), value: frameText({ file: f.exception.file, line: f.exception.line ?? 0 }) });
    // thrown in the framework (Connection.php:712): the app's line that led there
    if (where.inApp && (where.file !== f.exception.file || where.line !== f.exception.line))
      fields.push({ label: t('show.app_frame'), value: frameText(where) });
    if (causes.length)
      fields.push({ label: t('show.caused_by'), value: cutOnWord(causes.map((c) => oneLine(`${c.className}: ${c.message}`)).join('\n'), 1000) });
  } else if (f.exceptionFirstLine) {
    fields.push({ label: t('show.exception'), value: oneLine(f.exceptionFirstLine), tone: 'bad' });
  }
  fields.push(...payloadFields(t, f.payload, now));
  return reply(t('show.failed_title', { uuid: f.uuid, job: f.displayName }), {
    fields,
    buttons: row.buttons,
    detail: { title: t('show.trace'), text: f.exceptionText },
    data: { failed: f },
  });
}

/** Characters of an exception message `show` puts in its field. */
const SHOWN_MESSAGE = 1500;

function notFoundJob(ctx: CommandContext, id: number): Reply {
  return errorReply(ctx.t('show.not_found_title'), ctx.t('show.job_not_found', { id }), { data: { outcome: 'not_found', id } });
}

/** The failed job a uuid's start named (gone since: said so). */
async function showFailed(ctx: CommandContext, uuid: string): Promise<Reply> {
  const failed = await ctx.queue.getFailed(uuid);
  if (failed) return failedReply(ctx, failed);
  return errorReply(ctx.t('show.not_found_title'), ctx.t('show.failed_not_found', { uuid }), { data: { outcome: 'not_found', uuid } });
}

export default defineCommand<Args>({
  name: 'show',
  summary: 'help.show',
  usage: ['show <id|uuid>'],
  positional: ['target#'],
  schema: z.object({
    target: z
      .string()
      .refine((v) => isUuid(v) || isUuidPrefix(v) || jobNumberDigits(v) !== null || REDIS_JOB_ID.test(v), { message: 'args.bad_target' })
      .refine((v) => isAddressableId((/^\d+$/.test(v) ? v : jobNumberDigits(v)) ?? '0'), { message: 'args.id_too_large' }),
  }),
  discord: [
    {
      name: 'show',
      description: 'help.show',
      options: [{ name: 'target', type: 'string', description: 'option.target', required: true, autocomplete: 'failed-uuid' }],
      toText: (o) => `show ${o.target ?? ''}`,
    },
  ],
  actions: { [VERBS.show]: { toArgs: ([target]) => (target ? { target } : null) } },
  async run(ctx, { target }) {
    const { t } = ctx;
    if (isUuid(target)) {
      const failed = await ctx.queue.getFailed(target);
      // a Redis job carries its uuid while it waits or runs
      const waiting = failed ? null : await ctx.queue.getJob(target);
      if (waiting) return jobReply(ctx, waiting);
      if (!failed) return errorReply(t('show.not_found_title'), t('show.failed_not_found', { uuid: target }), { data: { outcome: 'not_found', uuid: target } });
      return failedReply(ctx, failed);
    }
    const digits = jobNumberDigits(target);
    if (digits !== null) {
      const id = Number(digits);
      const job = await ctx.queue.getJob(id);
      if (job) return jobReply(ctx, job);
      const failed = await ctx.queue.getFailed(id);
      if (failed) return failedReply(ctx, failed);
      // eight digits are also how a list shows a uuid that starts with digits only
      if (isUuidPrefix(target)) {
        const byPrefix = await failedByPrefix(ctx, target, { change: false, notFoundTitle: t('show.not_found_title') });
        if ('found' in byPrefix) return showFailed(ctx, byPrefix.found.uuid);
        if (byPrefix.matched > 1) return byPrefix.reply;
      }
      return notFoundJob(ctx, id);
    }
    if (isUuidPrefix(target)) {
      const byPrefix = await failedByPrefix(ctx, target, { change: false, notFoundTitle: t('show.not_found_title') });
      return 'reply' in byPrefix ? byPrefix.reply : showFailed(ctx, byPrefix.found.uuid);
    }
    const job = await ctx.queue.getJob(target);
    if (job) return jobReply(ctx, job);
    return errorReply(t('show.not_found_title'), t('show.job_not_found', { id: target }), { data: { outcome: 'not_found', id: target } });
  },
});
