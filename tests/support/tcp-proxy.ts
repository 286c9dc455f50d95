// A loopback TCP proxy in front of MariaDB or PostgreSQL that a test can cut, stall and restore:
// the database "goes down" for the bot (connections drop, new ones are refused) or stops answering
// (nothing closes, nothing arrives), and comes back on the same port.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
  /**
   * Arms a cut at the next COMMIT a client sends: the COMMIT reaches the server (which commits),
   * then the client's connection dies before the answer arrives, and new connections are refused
   * until restore(). The bot cannot know whether its change happened.
   */
  cutAfterCommit(): Promise<void>;
  /**
   * The database stops answering but nothing closes: bytes stop flowing both ways on every open
   * connection, and new connections are accepted and then hear nothing (a frozen server, a
   * network that drops packets). restore() lets everything flow again.
   */
  stall(): void;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let commitArmed = false;
  let stalled = false;
  let committed: (() => void) | null = null;
  let server: Server | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.on('data', (chunk: Buffer) => {
          upstream.write(chunk);
          if (!commitArmed || !/\bcommit\b/i.test(chunk.toString('latin1'))) return;
          commitArmed = false;
          // The server gets the COMMIT and answers; the answer is swallowed and only then is its
          // connection closed (closing it at once could lose the COMMIT). The client's dies now.
          sockets.delete(upstream);
          upstream.unpipe(client);
          upstream.once('data', () => upstream.destroy());
          client.destroy();
          committed?.();
          void stop();
        });
        upstream.pipe(client);
        client.on('end', () => upstream.end());
        if (stalled) {
          client.pause();
          upstream.pause();
        }
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = null;
    });
  await listen();
  return {
    get port() {
      return port;
    },
    cut: stop,
    async restore() {
      if (stalled) {
        stalled = false;
        for (const s of sockets) s.resume();
      }
      if (!server) await listen();
    },
    stall() {
      stalled = true;
      for (const s of sockets) s.pause();
    },
    close: stop,
    cutAfterCommit() {
      commitArmed = true;
      return new Promise<void>((resolve) => {
        committed = resolve;
      });
    },
  };
}
