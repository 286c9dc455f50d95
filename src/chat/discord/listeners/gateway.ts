// The gateway's own events: errors, warnings, disconnects and resumes, rate limits — logged (with
// tokens kept out), never thrown. Without an 'error' listener an emitted error would end the process.
import { Events, RESTEvents } from 'discord.js';
import { safeRoute } from '../safe.ts';
import type { DiscordContext } from '../conversation.ts';

export function logGatewayEvents(ctx: DiscordContext, stopping: () => boolean): void {
  const { client, log, safe } = ctx;
  client.on(Events.Error, (err) => log.error({ err: safe(err) }, 'discord.js reported an error'));
  client.on(Events.Warn, (message) => log.warn({ detail: message }, 'discord.js warning'));
  client.on(Events.ShardDisconnect, (event, shard) => log.warn({ shard, code: event.code }, 'gateway connection closed'));
  client.on(Events.ShardReconnecting, (shard) => {
    if (!stopping()) log.info({ shard }, 'reconnecting to the gateway');
  });
  client.on(Events.ShardResume, (shard, replayed) => log.info({ shard, replayed }, 'gateway session resumed'));
  client.on(Events.ShardError, (err, shard) => log.warn({ err: safe(err), shard }, 'gateway connection error'));
  client.on(Events.Invalidated, () => log.error('the gateway invalidated the session; restart the bot'));
  client.rest.on(RESTEvents.RateLimited, (info) =>
    log.warn({ route: safeRoute(info.route), retryAfterMs: info.retryAfter, global: info.global }, 'Discord rate limit hit'),
  );
}
