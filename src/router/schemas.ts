// Argument schemas shared by commands. Messages are catalogue keys; the router translates them
// and fills in the argument's name and the value the user typed.
import { z } from 'zod';
import { parseDuration } from '../config/duration.ts';
import { isUuid } from '../queue/queue-service.ts';

export const queueName = z.string().regex(/^[\w.:\-/@]{1,255}$/, { message: 'args.bad_queue' });
export const jobClass = z.string().regex(/^[A-Za-z_\\][\w\\]{0,254}$/, { message: 'args.bad_class' });
export const uuid = z.string().refine(isUuid, { message: 'args.bad_uuid' });
export const jobId = z.coerce
  .string()
  .regex(/^\d{1,19}$/, { message: 'args.bad_id' })
  .transform(Number)
  .refine((n) => Number.isSafeInteger(n) && n > 0, { message: 'args.bad_id' });
export const page = z.coerce
  .string()
  .regex(/^\d{1,6}$/, { message: 'args.bad_page' })
  .transform(Number)
  .refine((n) => n >= 1, { message: 'args.bad_page' });
export const duration = z
  .string()
  .transform((v, ctx) => {
    const s = parseDuration(v);
    if (s === null) {
      ctx.addIssue({ code: 'custom', message: 'args.bad_duration' });
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
export const hiddenNumber = z.coerce.string().regex(/^\d{1,19}$/).transform(Number);
