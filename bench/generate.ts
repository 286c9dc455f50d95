// Rows for the benchmark, built from the genuine Laravel 8.83 rows in tests/fixtures/laravel:
//  - jobs payloads: the fixture payload with a fresh uuid, its serialized `queue` property set
//    to the row's queue (length prefix fixed), and padded to 1–2 KB with one extra top-level key
//    the way a Queue::createPayloadUsing() hook (Sentry, Telescope, tenancy…) adds its keys.
//    Every key Laravel wrote, and data.command, stay byte for byte.
//  - failed_jobs exceptions: the genuine Throwable::__toString() text, padded to 5–20 KB by
//    real-looking frames: job middleware between the Bus dispatcher and the handler, a
//    `previous` exception (Guzzle 503, SMTP 550, PDO) whose block comes first, as PHP prints it,
//    and a console wrapper around the worker for exceptions the worker itself throws.
//    Each block still runs from #0 to "#N {main}", so the bot's parser reads them.
//  - one job written by Laravel 12 (tests/fixtures/laravel/versions): its private property is
//    serialized under a name with NUL bytes, which the JSON carries as \u0000 — as in every
//    payload of a job with a protected or private property, and what PostgreSQL's JSON
//    functions refuse. The 8.83 fixtures have no such job.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { failedFixture, jobsFixture } from '../tests/support/fixtures.ts';

export const GENERATOR_VERSION = 5;

// ------------------------------------------------------------------------------ randomness

/** mulberry32: a small seeded PRNG, so a set's shape does not depend on the run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of the parts: seeds that depend only on what a row is, not on the rows before it. */
export function hash32(...parts: Array<string | number>): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('|')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Random numbers for one row: the same key gives the same row in every set, whatever its size. */
export function rowRand(tag: string, key: number): () => number {
  return prng(hash32(tag, key));
}

export function pickWeighted<T extends { weight: number }>(items: readonly T[], r: number): T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let x = r * total;
  for (const item of items) {
    x -= item.weight;
    if (x < 0) return item;
  }
  return items[items.length - 1]!;
}

// ------------------------------------------------------------------------------ payloads

const UUID_PREFIX = '{"uuid":"';
const UUID_END = UUID_PREFIX.length + 36;

/** The payload text after its uuid: what every row of one template shares. */
function payloadTail(payload: string): string {
  if (!payload.startsWith(UUID_PREFIX) || payload[UUID_END] !== '"') throw new Error(`fixture payload does not start with its uuid: ${payload.slice(0, 60)}`);
  return payload.slice(UUID_END);
}

/** Sets the first (top-level) `queue` property of a serialized command in the raw JSON text. */
export function withCommandQueue(payload: string, queue: string): string {
  const re = /s:5:\\"queue\\";(?:N|s:\d+:\\"[^"\\]*\\")/;
  if (!/"command":"O:/.test(payload) || !re.test(payload)) return payload; // encrypted or a string job: nothing to edit
  return payload.replace(re, () => `s:5:\\"queue\\";s:${Buffer.byteLength(queue)}:\\"${queue}\\"`);
}

/**
 * Names `connection` in every serialized ModelIdentifier (SerializesModels) — the database
 * connection the model is restored from, its last property. The fixtures were written on
 * MariaDB (`mysql`); an app on PostgreSQL writes `pgsql`, and unserializing the job (as
 * `queue:retry` does) queries that connection.
 */
export function withModelConnection(payload: string, connection: string): string {
  return payload.replace(
    /(ModelIdentifier\\":4:\{(?:[^}]|\{\})*?s:10:\\"connection\\";)s:\d+:\\"[^"\\]*\\";\}/g,
    (_, head: string) => `${head}s:${Buffer.byteLength(connection)}:\\"${connection}\\";}`,
  );
}

const CRUMBS = [
  'http PUT https://de.shop.example/api/products/1001 -> 200 (214 ms)',
  'query select * from `products` where `products`.`id` = 1001 limit 1 (0.41 ms)',
  'query select * from `shops` where `shops`.`id` = 2 limit 1 (0.28 ms)',
  'cache hit prestashop:token:2',
  'log.info Sync started for SKU-1001 towards Shop DE',
  'http GET https://fr.shop.example/api/stock_availables?filter[id_product]=1001 -> 200 (88 ms)',
  'query update `products` set `synced_at` = 2026-11-28 12:51:02 where `id` = 1001 (1.12 ms)',
  'mail.sending invoice INV-2026-004711 to jane.doe@example.com',
  'queue.dispatched App\\Jobs\\SyncProductToPrestaShop on prestashop',
  'auth user 4711 (ops@example.com) via api token',
];

/** `,"context":{…}` of about `bytes` bytes (PHP json_encode escapes "/" as "\/"). */
function contextKey(bytes: number, rand: () => number): string {
  const head = { tenant: `shop-${['fr', 'de', 'pl', 'es'][Math.floor(rand() * 4)]}`, request_id: randomUUID(), user_id: 1000 + Math.floor(rand() * 9000) };
  const crumbs: string[] = [];
  const render = () => `,"context":${JSON.stringify({ ...head, breadcrumbs: crumbs }).replace(/\//g, '\\/')}`;
  let second = 0;
  while (render().length < bytes) {
    second += 1 + Math.floor(rand() * 4);
    const crumb = `[12:${String(Math.floor(second / 60) % 60).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}] ${CRUMBS[Math.floor(rand() * CRUMBS.length)]!}`;
    crumbs.push(crumb);
    const over = render().length - bytes;
    if (over > 0) {
      crumbs[crumbs.length - 1] = crumb.slice(0, Math.max(8, crumb.length - over));
      break;
    }
  }
  return render();
}

/** The tail (after the uuid) of a payload of about `size` bytes built from `payload`. */
export function paddedTail(payload: string, queue: string, size: number, rand: () => number, modelConnection = 'mysql'): string {
  const tail = payloadTail(withModelConnection(withCommandQueue(payload, queue), modelConnection));
  const base = UUID_END + tail.length;
  if (base + 40 >= size || !tail.endsWith('}')) return tail;
  return tail.slice(0, -1) + contextKey(size - base, rand) + '}';
}

export function payloadWithUuid(uuid: string, tail: string): string {
  return UUID_PREFIX + uuid + tail;
}

// ------------------------------------------------------------------------------ exceptions

interface Block {
  header: string;
  frames: string[];
}

function parseBlocks(text: string): Block[] {
  return text.split('\n\nNext ').map((part) => {
    const at = part.indexOf('\nStack trace:\n');
    if (at < 0) throw new Error('fixture exception without a stack trace');
    const lines = part.slice(at + '\nStack trace:\n'.length).split('\n');
    const frames: string[] = [];
    for (const line of lines) {
      if (/^#\d+ \{main\}$/.test(line)) break;
      const m = /^#\d+ (.*)$/.exec(line);
      if (!m) throw new Error(`unexpected trace line: ${line}`);
      frames.push(m[1]!);
    }
    return { header: part.slice(0, at), frames };
  });
}

function renderBlocks(blocks: Block[]): string {
  return blocks.map((b) => `${b.header}\nStack trace:\n${b.frames.map((f, i) => `#${i} ${f}`).join('\n')}\n#${b.frames.length} {main}`).join('\n\nNext ');
}

const MIDDLEWARE = [
  ['/var/www/app/app/Jobs/Middleware/SetTenant.php(34)', 'App\\Jobs\\Middleware\\SetTenant'],
  ['/usr/share/php/Illuminate/Queue/Middleware/WithoutOverlapping.php(84)', 'Illuminate\\Queue\\Middleware\\WithoutOverlapping'],
  ['/var/www/app/app/Jobs/Middleware/LogJobContext.php(27)', 'App\\Jobs\\Middleware\\LogJobContext'],
  ['/usr/share/php/Illuminate/Queue/Middleware/RateLimited.php(89)', 'Illuminate\\Queue\\Middleware\\RateLimited'],
  ['/var/www/app/app/Jobs/Middleware/TrackMemory.php(22)', 'App\\Jobs\\Middleware\\TrackMemory'],
  ['/usr/share/php/Illuminate/Queue/Middleware/ThrottlesExceptions.php(107)', 'Illuminate\\Queue\\Middleware\\ThrottlesExceptions'],
  ['/var/www/app/app/Jobs/Middleware/SentryTransaction.php(41)', 'App\\Jobs\\Middleware\\SentryTransaction'],
  ['/var/www/app/app/Jobs/Middleware/EnsureShopIsReachable.php(30)', 'App\\Jobs\\Middleware\\EnsureShopIsReachable'],
] as const;

/** Two frames per job middleware, as Pipeline prints them. */
function middlewareFrames(k: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < k; i++) {
    const [file, cls] = MIDDLEWARE[i % MIDDLEWARE.length]!;
    out.push(`${file}: Illuminate\\Pipeline\\Pipeline->Illuminate\\Pipeline\\{closure}()`);
    out.push(`/usr/share/php/Illuminate/Pipeline/Pipeline.php(167): ${cls}->handle()`);
  }
  return out;
}

/** Frames of a supervising command that runs the worker (e.g. once per tenant). */
function consoleWrapperFrames(k: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < k; i++) {
    out.push('/usr/share/php/Illuminate/Console/Command.php(136): Illuminate\\Container\\Container->call()');
    out.push('/usr/share/php/Symfony/Component/Console/Command/Command.php(298): Illuminate\\Console\\Command->execute()');
    out.push('/usr/share/php/Illuminate/Console/Command.php(120): Symfony\\Component\\Console\\Command\\Command->run()');
    out.push('/usr/share/php/Illuminate/Console/Concerns/CallsCommands.php(68): Illuminate\\Console\\Command->run()');
    out.push('/usr/share/php/Illuminate/Console/Concerns/CallsCommands.php(28): Illuminate\\Console\\Command->runCommand()');
    out.push(`/var/www/app/app/Console/Commands/TenantsWork.php(${48 + (i % 3)}): Illuminate\\Console\\Command->call()`);
    out.push('/usr/share/php/Illuminate/Support/Collection.php(673): App\\Console\\Commands\\TenantsWork->App\\Console\\Commands\\{closure}()');
    out.push('/var/www/app/app/Console/Commands/TenantsWork.php(52): Illuminate\\Support\\Collection->each()');
    out.push('/usr/share/php/Illuminate/Container/BoundMethod.php(36): App\\Console\\Commands\\TenantsWork->handle()');
    out.push('/usr/share/php/Illuminate/Container/Util.php(40): Illuminate\\Container\\BoundMethod::Illuminate\\Container\\{closure}()');
    out.push('/usr/share/php/Illuminate/Container/BoundMethod.php(93): Illuminate\\Container\\Util::unwrapIfClosure()');
    out.push('/usr/share/php/Illuminate/Container/BoundMethod.php(35): Illuminate\\Container\\BoundMethod::callBoundMethod()');
    out.push('/usr/share/php/Illuminate/Container/Container.php(653): Illuminate\\Container\\BoundMethod::call()');
  }
  return out;
}

type CauseKind = 'http' | 'smtp' | 'db';

const CAUSES: Record<CauseKind, { header: string; frames: string[] }> = {
  http: {
    header:
      'GuzzleHttp\\Exception\\ServerException: Server error: `PUT https://de.shop.example/api/products/1001` resulted in a `503 Service Unavailable` response:\n' +
      '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n' +
      ' in /var/www/app/vendor/guzzlehttp/guzzle/src/Exception/RequestException.php:113',
    frames: [
      '/var/www/app/vendor/guzzlehttp/guzzle/src/Middleware.php(69): GuzzleHttp\\Exception\\RequestException::create()',
      '/var/www/app/vendor/guzzlehttp/promises/src/Promise.php(204): GuzzleHttp\\Middleware::GuzzleHttp\\{closure}()',
      '/var/www/app/vendor/guzzlehttp/promises/src/Promise.php(153): GuzzleHttp\\Promise\\Promise::callHandler()',
      '/var/www/app/vendor/guzzlehttp/promises/src/TaskQueue.php(48): GuzzleHttp\\Promise\\Promise::GuzzleHttp\\Promise\\{closure}()',
      '/var/www/app/vendor/guzzlehttp/guzzle/src/Handler/CurlMultiHandler.php(158): GuzzleHttp\\Promise\\TaskQueue->run()',
      '/var/www/app/vendor/guzzlehttp/guzzle/src/Handler/CurlMultiHandler.php(183): GuzzleHttp\\Handler\\CurlMultiHandler->tick()',
      '/var/www/app/vendor/guzzlehttp/promises/src/Promise.php(248): GuzzleHttp\\Handler\\CurlMultiHandler->execute()',
      '/var/www/app/vendor/guzzlehttp/promises/src/Promise.php(224): GuzzleHttp\\Promise\\Promise->invokeWaitFn()',
      '/var/www/app/vendor/guzzlehttp/promises/src/Promise.php(269): GuzzleHttp\\Promise\\Promise->waitIfPending()',
      '/var/www/app/vendor/guzzlehttp/promises/src/Promise.php(226): GuzzleHttp\\Promise\\Promise->invokeWaitList()',
      '/var/www/app/vendor/guzzlehttp/promises/src/Promise.php(62): GuzzleHttp\\Promise\\Promise->waitIfPending()',
      '/var/www/app/vendor/guzzlehttp/guzzle/src/Client.php(187): GuzzleHttp\\Promise\\Promise->wait()',
      '/usr/share/php/Illuminate/Http/Client/PendingRequest.php(705): GuzzleHttp\\Client->request()',
      '/usr/share/php/Illuminate/Http/Client/PendingRequest.php(627): Illuminate\\Http\\Client\\PendingRequest->Illuminate\\Http\\Client\\{closure}()',
      '/usr/share/php/Illuminate/Support/helpers.php(234): Illuminate\\Http\\Client\\PendingRequest->Illuminate\\Http\\Client\\{closure}()',
      '/usr/share/php/Illuminate/Http/Client/PendingRequest.php(628): retry()',
      '/usr/share/php/Illuminate/Http/Client/PendingRequest.php(543): Illuminate\\Http\\Client\\PendingRequest->send()',
      '/var/www/app/app/Services/PrestaShop/Client.php(88): Illuminate\\Http\\Client\\PendingRequest->put()',
      '/var/www/app/app/Services/PrestaShop/ProductExporter.php(142): App\\Services\\PrestaShop\\Client->put()',
      '/var/www/app/app/Jobs/SyncProductToPrestaShop.php(34): App\\Services\\PrestaShop\\ProductExporter->export()',
    ],
  },
  smtp: {
    header:
      'Swift_TransportException: Expected response code 250 but got code "550", with message "550 5.1.1 <jane.doe@example.com>: Recipient address rejected: User unknown in virtual mailbox table\r\n"' +
      ' in /usr/share/php/Swift/Transport/AbstractSmtpTransport.php:457',
    frames: [
      '/usr/share/php/Swift/Transport/AbstractSmtpTransport.php(341): Swift_Transport_AbstractSmtpTransport->assertResponseCode()',
      '/usr/share/php/Swift/Transport/EsmtpTransport.php(305): Swift_Transport_AbstractSmtpTransport->executeCommand()',
      '/usr/share/php/Swift/Transport/AbstractSmtpTransport.php(390): Swift_Transport_EsmtpTransport->executeCommand()',
      '/usr/share/php/Swift/Transport/AbstractSmtpTransport.php(497): Swift_Transport_AbstractSmtpTransport->doRcptToCommand()',
      '/usr/share/php/Swift/Transport/AbstractSmtpTransport.php(208): Swift_Transport_AbstractSmtpTransport->sendTo()',
      '/usr/share/php/Swift/Mailer.php(71): Swift_Transport_AbstractSmtpTransport->send()',
      '/usr/share/php/Illuminate/Mail/Mailer.php(521): Swift_Mailer->send()',
      '/usr/share/php/Illuminate/Mail/Mailer.php(288): Illuminate\\Mail\\Mailer->sendSwiftMessage()',
      '/usr/share/php/Illuminate/Mail/Mailable.php(187): Illuminate\\Mail\\Mailer->send()',
      '/usr/share/php/Illuminate/Support/Traits/Localizable.php(19): Illuminate\\Mail\\Mailable->Illuminate\\Mail\\{closure}()',
      '/usr/share/php/Illuminate/Mail/Mailable.php(188): Illuminate\\Mail\\Mailable->withLocale()',
      '/usr/share/php/Illuminate/Mail/Mailer.php(304): Illuminate\\Mail\\Mailable->send()',
      '/usr/share/php/Illuminate/Mail/Mailer.php(258): Illuminate\\Mail\\Mailer->sendMailable()',
      '/usr/share/php/Illuminate/Mail/PendingMail.php(124): Illuminate\\Mail\\Mailer->send()',
      '/var/www/app/app/Jobs/SendInvoiceEmail.php(30): Illuminate\\Mail\\PendingMail->send()',
    ],
  },
  db: {
    header:
      "PDOException: SQLSTATE[HY000]: General error: 1366 Incorrect decimal value: '12,50 €' for column `shop`.`products`.`price` at row 1 in /usr/share/php/Illuminate/Database/Connection.php:501",
    frames: [
      '/usr/share/php/Illuminate/Database/Connection.php(501): PDOStatement->execute()',
      '/usr/share/php/Illuminate/Database/Connection.php(705): Illuminate\\Database\\Connection->Illuminate\\Database\\{closure}()',
      '/usr/share/php/Illuminate/Database/Connection.php(672): Illuminate\\Database\\Connection->runQueryCallback()',
      '/usr/share/php/Illuminate/Database/Connection.php(502): Illuminate\\Database\\Connection->run()',
      '/usr/share/php/Illuminate/Database/Connection.php(466): Illuminate\\Database\\Connection->statement()',
      '/usr/share/php/Illuminate/Database/Query/Builder.php(3123): Illuminate\\Database\\Connection->insert()',
      '/usr/share/php/Illuminate/Database/Eloquent/Builder.php(1680): Illuminate\\Database\\Query\\Builder->upsert()',
      '/var/www/app/app/Imports/ProductRowImporter.php(77): Illuminate\\Database\\Eloquent\\Builder->__call()',
      '/usr/share/php/Illuminate/Database/Concerns/ManagesTransactions.php(29): App\\Imports\\ProductRowImporter->App\\Imports\\{closure}()',
      '/usr/share/php/Illuminate/Database/DatabaseManager.php(409): Illuminate\\Database\\Connection->transaction()',
      '/usr/share/php/Illuminate/Support/Facades/Facade.php(261): Illuminate\\Database\\DatabaseManager->__call()',
      '/var/www/app/app/Imports/ProductRowImporter.php(81): Illuminate\\Support\\Facades\\Facade::__callStatic()',
      '/usr/share/php/Illuminate/Support/Collection.php(673): App\\Imports\\ProductRowImporter->App\\Imports\\{closure}()',
      '/var/www/app/app/Imports/ProductRowImporter.php(83): Illuminate\\Support\\Collection->each()',
      '/var/www/app/app/Jobs/ImportCsvChunk.php(41): App\\Imports\\ProductRowImporter->import()',
    ],
  },
};

const DISPATCH_ANCHOR = /Illuminate\\Bus\\Dispatcher->Illuminate\\Bus\\\{closure\}\(\)$/;
const WORKER_ANCHOR = /WorkCommand->handle\(\)$/;

/** The genuine text with `k` pad units and optionally a `previous` exception block. */
function padException(genuine: Block[], cause: CauseKind | null, k: number): string {
  const pad = (frames: string[]): string[] => {
    const d = frames.findIndex((f) => DISPATCH_ANCHOR.test(f));
    if (d >= 0) return [...frames.slice(0, d + 1), ...middlewareFrames(k), ...frames.slice(d + 1)];
    const w = frames.findIndex((f) => WORKER_ANCHOR.test(f));
    if (w >= 0) return [...frames.slice(0, w + 1), ...consoleWrapperFrames(Math.ceil(k / 6)), ...frames.slice(w + 1)];
    return frames;
  };
  const blocks = genuine.map((b) => ({ header: b.header, frames: pad(b.frames) }));
  if (cause) {
    // The previous exception was thrown deeper in the same call: its trace is the deep frames
    // followed by the outer frames of the first genuine block.
    const c = CAUSES[cause];
    blocks.unshift({ header: c.header, frames: [...c.frames, ...blocks[0]!.frames] });
  }
  return renderBlocks(blocks);
}

/** A padded exception of about `size` bytes (never below 5 KiB, about 20 KiB at most). */
export function paddedException(text: string, cause: CauseKind | null, size: number): string {
  const genuine = parseBlocks(text);
  if (renderBlocks(genuine) !== text) throw new Error('fixture exception does not re-render byte for byte');
  let best: string | null = null;
  const score = (s: string) => {
    const n = Buffer.byteLength(s);
    return (n < 5120 ? 100_000 : 0) + (n > 21_000 ? 100_000 : 0) + Math.abs(n - size);
  };
  for (const c of cause ? [null, cause] : [null]) {
    const at0 = Buffer.byteLength(padException(genuine, c, 0));
    const at8 = Buffer.byteLength(padException(genuine, c, 8));
    const perUnit = Math.max(1, (at8 - at0) / 8);
    const k = Math.max(0, Math.round((size - at0) / perUnit));
    for (const kk of [k, Math.max(0, k - 1), k + 1]) {
      const candidate = padException(genuine, c, kk);
      if (best === null || score(candidate) < score(best)) best = candidate;
    }
  }
  return best!;
}

// ------------------------------------------------------------------------------ templates

function jobFixtureRow(label: string) {
  const f = jobsFixture.find((x) => x.label.includes(label));
  if (!f) throw new Error(`no jobs fixture like ${label}`);
  return f.row;
}
function failedFixtureRow(label: string) {
  const f = failedFixture.find((x) => x.label.includes(label));
  if (!f) throw new Error(`no failed_jobs fixture like ${label}`);
  return f.row;
}

export interface JobTemplate {
  label: string;
  payload: string;
}

export interface QueuePlan {
  queue: string;
  weight: number;
  /** reserved rows at the head of the queue (one per worker) */
  workers: number;
  /** of which held far longer than QUEUE_BOT_STUCK_AFTER */
  stuck: number;
  templates: JobTemplate[];
}

const tpl = (label: string): JobTemplate => ({ label, payload: jobFixtureRow(label).payload });

/** A jobs row Laravel 12 wrote, by its displayName. */
function laravel12Tpl(displayName: string): JobTemplate {
  const fixture = JSON.parse(readFileSync(new URL('../tests/fixtures/laravel/versions/laravel-12.json', import.meta.url), 'utf8')) as {
    rows: { jobs: Array<{ payload: string }> };
  };
  const row = fixture.rows.jobs.find((r) => r.payload.includes(`"displayName":${JSON.stringify(displayName)}`));
  if (!row) throw new Error(`no Laravel 12 jobs fixture for ${displayName}`);
  if (!row.payload.includes('\\u0000')) throw new Error(`the Laravel 12 ${displayName} payload no longer carries \\u0000`);
  return { label: `${displayName} (Laravel 12)`, payload: row.payload };
}

export const JOB_QUEUES: QueuePlan[] = [
  {
    queue: 'prestashop',
    weight: 30,
    workers: 4,
    stuck: 0,
    templates: [tpl("SyncProductToPrestaShop on 'prestashop': pending"), tpl("SyncProductToPrestaShop on 'prestashop': delayed")],
  },
  {
    queue: 'default',
    weight: 30,
    workers: 4,
    stuck: 2,
    templates: [tpl('SendInvoiceEmail'), tpl('Closure'), tpl('ChainStep'), tpl('RetryUntilJob'), tpl('LegacyHandler')],
  },
  { queue: 'imports', weight: 20, workers: 2, stuck: 1, templates: [tpl('ImportCsvChunk'), tpl('SleepyJob'), laravel12Tpl('App\\Jobs\\PlainBatchJob')] },
  { queue: 'mail', weight: 12, workers: 2, stuck: 0, templates: [tpl('SendInvoiceEmail'), tpl('LegacyHandler')] },
  { queue: 'webhooks', weight: 8, workers: 1, stuck: 0, templates: [tpl('Closure'), tpl('LegacyHandler')] },
];

export interface FailedTemplate {
  label: string;
  queue: string;
  weight: number;
  payload: string;
  exception: string;
  cause: CauseKind | null;
}

function failedTpl(label: string, queue: string, weight: number, cause: CauseKind | null): FailedTemplate {
  const row = failedFixtureRow(label);
  return { label, queue, weight, payload: row.payload, exception: row.exception, cause };
}

/** failed_jobs outside the outage burst. */
export const FAILED_MIX: FailedTemplate[] = [
  failedTpl('AlwaysFails', 'webhooks', 15, null),
  failedTpl('SendInvoiceEmail', 'mail', 25, 'smtp'),
  failedTpl('RetryUntilJob', 'default', 10, null),
  failedTpl('ImportCsvChunk', 'imports', 30, 'db'),
  failedTpl('SleepyJob', 'default', 20, null),
];

/** The outage: PrestaShop answered 503 for a while, every sync failed. */
export const BURST_TEMPLATE: FailedTemplate = failedTpl('SyncProductToPrestaShop', 'prestashop', 1, 'http');

/** What `queue:retry all` meets in the artisan comparison: every genuine kind of failure. */
export const ARTISAN_MIX: FailedTemplate[] = [...FAILED_MIX, { ...BURST_TEMPLATE, weight: 30 }];

// ------------------------------------------------------------------------------ row plans

export const VARIANTS_PER_TEMPLATE = 24;

export interface JobPlan {
  queue: QueuePlan;
  template: JobTemplate;
  variant: number;
  delayed: boolean;
  released: boolean;
  delayFraction: number;
}

/** What jobs row `id` holds (queue, job, payload variant, waiting state), from its id alone. */
export function jobPlan(id: number): JobPlan {
  const r = rowRand('job', id);
  const queue = pickWeighted(JOB_QUEUES, r());
  const template = queue.templates[Math.floor(r() * queue.templates.length)]!;
  const variant = Math.floor(r() * VARIANTS_PER_TEMPLATE);
  const delayed = r() < 0.04;
  const released = !delayed && r() < 0.02;
  return { queue, template, variant, delayed, released, delayFraction: r() };
}

export function jobSignature(p: JobPlan): string {
  return `${p.queue.queue}|${p.template.label}|${p.variant}|${p.delayed}|${p.released}`;
}

export interface FailedPlan {
  template: FailedTemplate;
  payloadVariant: number;
  exceptionVariant: number;
}

/**
 * What failed_jobs row `id` holds. Keyed by the distance from the newest row, so that the newest
 * failures — the first page of every listing — are the same in a set of any size.
 */
export function failedPlan(mix: readonly FailedTemplate[], failedRows: number, id: number, inBurst: boolean): FailedPlan {
  const r = rowRand('failed', failedRows - id);
  const picked = pickWeighted(mix, r());
  return {
    template: inBurst ? BURST_TEMPLATE : picked,
    payloadVariant: Math.floor(r() * VARIANTS_PER_TEMPLATE),
    exceptionVariant: Math.floor(r() * VARIANTS_PER_TEMPLATE),
  };
}

export function failedSignature(p: FailedPlan): string {
  return `${p.template.label}|${p.payloadVariant}|${p.exceptionVariant}`;
}

// ------------------------------------------------------------------------------ variant caches

/** Padded payload tails and exception texts per template, the same lists in every set. */
export class Variants {
  readonly #payloadTails = new Map<string, string[]>();
  readonly #exceptions = new Map<string, string[]>();

  /** `modelConnection`: Laravel's name of the app's database connection (`mysql`, `pgsql`). */
  constructor(private readonly modelConnection = 'mysql') {}

  /** A payload of 1–2 KB for this template on this queue, carrying `uuid`. */
  payload(template: { label: string; payload: string }, queue: string, variant: number, uuid: string = randomUUID()): string {
    const key = `${template.label}|${queue}`;
    let list = this.#payloadTails.get(key);
    if (!list) {
      const rand = prng(hash32('payload', key));
      list = [];
      for (let i = 0; i < VARIANTS_PER_TEMPLATE; i++)
        list.push(paddedTail(template.payload, queue, 1024 + Math.floor(rand() * 1024), rand, this.modelConnection));
      this.#payloadTails.set(key, list);
    }
    return payloadWithUuid(uuid, list[variant % list.length]!);
  }

  /** A 5–20 KB exception text for this failed template. */
  exception(template: FailedTemplate, variant: number): string {
    let list = this.#exceptions.get(template.label);
    if (!list) {
      const rand = prng(hash32('exception', template.label));
      list = [];
      for (let i = 0; i < VARIANTS_PER_TEMPLATE; i++) list.push(paddedException(template.exception, template.cause, 5120 + Math.floor(rand() * 15360)));
      this.#exceptions.set(template.label, list);
    }
    return list[variant % list.length]!;
  }
}
