// Argument schemas shared by commands. Messages are catalogue keys; the router translates them
// and fills in the argument's name and the value the user typed.
import { z } from 'zod';
import { parseDuration } from '../config/duration.ts';
import { isUuid, isUuidPrefix } from '../queue/queue-service.ts';

export const queueName = z.string().regex(/^[\w.:\-/@]{1,255}$/, { message: 'args.bad_queue' });
export const jobClass = z.string().regex(/^[A-Za-z_\\][\w\\]{0,254}$/, { message: 'args.bad_class' });
export const uuid = z.string().refine(isUuid, { message: 'args.bad_uuid' });
/** A failed job as typed: its uuid, or its start — the 8 characters lists show, or more. */
export const uuidOrPrefix = z.string().refine((v) => isUuid(v) || isUuidPrefix(v), { message: 'args.bad_uuid' });
/** Beyond 2^53 a number loses digits: #9007199254740993 would silently become …992. */
export function isAddressableId(digits: string): boolean {
  return Number.isSafeInteger(Number(digits));
}
export const jobId = z.coerce
  .string()
  .regex(/^\d{1,19}$/, { message: 'args.bad_id' })
  .refine(isAddressableId, { message: 'args.id_too_large' })
  .transform(Number)
  .refine((n) => n > 0, { message: 'args.bad_id' });
/**
 * The digits of a job number as replies and lists write it — `812`, `#812`, `1,234,567` (English),
 * `1 234 567` (Polish, with no-break or plain spaces) — or null when `text` is not one.
 */
export function jobNumberDigits(text: string): string | null {
  const s = text.trim().replace(/^#/, '');
  const digits = /^\d+$/.test(s) ? s : /^\d{1,3}(?:,\d{3})+$/.test(s) || /^\d{1,3}(?:[ \u00A0\u202F]\d{3})+$/.test(s) ? s.replace(/\D/g, '') : null;
  return digits !== null && digits.length <= 19 ? digits : null;
}
/**
 * A job as commands take it: a number (as above) is a jobs row id; otherwise a Redis job's id (the
 * payload's `id`, 32 letters and digits) or its uuid.
 */
export const jobRef = z.coerce.string().transform((v, ctx): number | string => {
  const digits = jobNumberDigits(v);
  if (digits !== null) {
    const n = Number(digits);
    if (!isAddressableId(digits)) ctx.addIssue({ code: 'custom', message: 'args.id_too_large' });
    else if (n <= 0) ctx.addIssue({ code: 'custom', message: 'args.bad_id' });
    return n;
  }
  const text = v.trim().replace(/^#/, '');
  if (/^[A-Za-z0-9][\w-]{7,63}$/.test(text)) return text;
  ctx.addIssue({ code: 'custom', message: 'args.bad_id' });
  return z.NEVER;
});
/** A button's job argument: the same forms as typed. */
export function jobRefArg(text: string | undefined): number | string | null {
  if (!text) return null;
  const parsed = jobRef.safeParse(text);
  return parsed.success ? parsed.data : null;
}
/** A queue connection's name, as in Laravel's config/queue.php. */
export const connectionName = z.string().regex(/^[\w.-]{1,64}$/, { message: 'args.bad_connection' });
export const page = z.coerce
  .string()
  .regex(/^\d{1,6}$/, { message: 'args.bad_page' })
  .transform(Number)
  .refine((n) => n >= 1, { message: 'args.bad_page' });
/** A century: longer than any Laravel app has kept a failed job, short enough to be a date. */
const MAX_DURATION_SEC = 100 * 365 * 86_400;
export const duration = z.string().transform((v, ctx) => {
  const s = parseDuration(v);
  if (s === null) {
    ctx.addIssue({ code: 'custom', message: /^[\s0smhdw]+$/i.test(v) && /0/.test(v) ? 'args.duration_zero' : 'args.bad_duration' });
    return z.NEVER;
  }
  if (s > MAX_DURATION_SEC) {
    ctx.addIssue({ code: 'custom', message: 'args.duration_too_long' });
    return z.NEVER;
  }
  return s;
});
export const count = z.coerce
  .string()
  .regex(/^\d{1,9}$/, { message: 'args.bad_number' })
  .transform(Number);
export const batchId = z.string().regex(/^[\w-]{1,255}$/, { message: 'args.bad_batch' });
/** An argument that only buttons carry: the boundary a preview showed. */
export const hiddenNumber = z.coerce
  .string()
  .regex(/^\d{1,19}$/)
  .transform(Number);
