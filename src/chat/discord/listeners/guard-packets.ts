// A gateway packet discord.js cannot read is reported and skipped, never thrown.
import type { Client } from 'discord.js';

/**
 * discord.js builds its interaction objects straight from the gateway payload and throws on a
 * malformed one (no `data`, no user) — inside its event emitter, as an unhandled rejection. Each
 * packet is handled under a guard here, so one bad event is reported and skipped. (handlePacket
 * is discord.js's internal per-packet entry point; if a version drops it, nothing is guarded.)
 */
export function guardPackets(client: Client, onError: (err: unknown, event: unknown) => void): void {
  const ws = client.ws as unknown as { handlePacket?: (packet: unknown, shard: unknown) => boolean };
  const handle = ws.handlePacket;
  if (typeof handle !== 'function') return;
  ws.handlePacket = function guarded(this: unknown, packet: unknown, shard: unknown): boolean {
    try {
      return handle.call(this, packet, shard);
    } catch (err) {
      onError(err, (packet as { t?: unknown } | null)?.t ?? null);
      return true;
    }
  };
}
