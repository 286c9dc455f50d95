// What a `watch` board costs per interval (issue 15, item 4): the look every board of a tick shares
// (src/watch/look.ts: the light snapshot and the failed counts kept up to date by id), next to the
// light snapshot alone, on an existing database — by default the bench's MariaDB set (`npm run
// bench` seeds it). Ad hoc, not part of `npm run bench`; it writes nothing (history off, so no
// table is created):
//   npx tsx bench/watch-look.ts [mysql://root@127.0.0.1:3306/lqb_bench] [runs]
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { silentLogger } from '../src/log.ts';
import { boardLook } from '../src/watch/look.ts';

const url = process.argv[2] ?? 'mysql://root@127.0.0.1:3306/lqb_bench';
const runs = Number(process.argv[3] ?? 15);
const loaded = loadConfig({ DATABASE_URL: url, QUEUE_BOT_HISTORY_INTERVAL: 'off' });
if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
const app = await createApp(loaded.config, { logger: silentLogger });
try {
  // the running bot counts the failed jobs once at start; so does this, before timing
  await app.queue.warmUp();
  const time = async (fn: () => Promise<unknown>) => {
    const started = performance.now();
    await fn();
    return performance.now() - started;
  };
  const snapshot: number[] = [];
  const look: number[] = [];
  for (let i = 0; i < runs; i++) {
    snapshot.push(await time(() => app.queue.snapshot({ light: true })));
    look.push(await time(() => boardLook(app)));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const jobs = await app.database.db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  console.log(
    JSON.stringify({
      database: app.database.target.display,
      jobs: Number(jobs.n),
      runs,
      snapshotLightMedianMs: Number(median(snapshot).toFixed(1)),
      boardLookMedianMs: Number(median(look).toFixed(1)),
    }),
  );
} finally {
  await app.close();
}
