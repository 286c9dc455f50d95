// Every Slack listener, registered in one place (as in Bolt's starter template). Each is a module
// of its own, built from the adapter's shared state (SlackContext).
import type { App as BoltApp } from '@slack/bolt';
import type { SlackContext } from '../conversation.ts';
import { ackActionless } from './actionless.ts';
import { blockAction } from './block-action.ts';
import { slashCommand } from './slash-command.ts';
import { ackUnused, noOptions } from './unused.ts';

export function registerListeners(bolt: BoltApp, ctx: SlackContext): void {
  bolt.use(ackActionless(ctx.log));
  bolt.command(/^\/.+/, slashCommand(ctx)); // `/queue`, or whatever name the app was installed with
  bolt.action({ type: 'block_actions' }, blockAction(ctx));
  bolt.view({ type: 'view_closed' }, ackUnused);
  bolt.view({ type: 'view_submission' }, ackUnused);
  bolt.shortcut(/.*/, ackUnused);
  bolt.options(/.*/, noOptions);
  bolt.error(async (error) => {
    ctx.log.error({ err: error }, 'Bolt reported an error');
  });
}
