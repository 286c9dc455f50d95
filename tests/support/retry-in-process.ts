// Run by tests in a child process: one bot process retrying one failed job, started together
// with others so that separate processes race for the same row.
import { loadConfig } from '../../src/config/config.ts';
import { Database } from '../../src/db/database.ts';
import { QueueService } from '../../src/queue/queue-service.ts';

const [uuid, startAt] = process.argv.slice(2);
const loaded = loadConfig(process.env);
if (!loaded.ok || !loaded.config.database) throw new Error('DATABASE_URL missing');
const { config } = loaded;
const database = Database.open(config.database!, config.tables);
const queue = new QueueService({ database, ...config.queue, stuckAfterSec: 300, retryAfterSec: 90, retryWindowSec: 3600 });
await database.ping();
// Start together: wait for the agreed moment so the calls overlap.
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const result = await queue.retryFailed(uuid!);
process.stdout.write(JSON.stringify(result));
await database.close();
