// Bolt routes block_actions by their first action: with none, no listener would ever ack (and
// Slack would show the clicker an error). This global middleware acks those and stops there.
import type { AllMiddlewareArgs, AnyMiddlewareArgs } from '@slack/bolt';
import type { Logger } from '../../../log.ts';
import { isObject } from '../click.ts';

export function ackActionless(log: Logger): (args: AnyMiddlewareArgs & AllMiddlewareArgs) => Promise<void> {
  return async ({ body, next, ...rest }) => {
    if (isObject(body) && body.type === 'block_actions' && (!Array.isArray(body.actions) || !body.actions.length)) {
      log.warn('a block_actions payload without actions');
      const ack = (rest as { ack?: () => Promise<void> }).ack;
      await ack?.();
      return;
    }
    await next();
  };
}
