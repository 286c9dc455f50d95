// Failed jobs whose exceptions are what chat renderers choke on: a framework exception whose
// message runs to kilobytes and quotes Markdown with ``` in it, thrown in vendor/ three frames
// below the job's own code, with a 3000-frame trace of deep vendor paths (a 300 kB Slack modal
// before traces were bounded by bytes). Rows are genuine Laravel rows with the exception replaced.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/db/database.ts';
import { failedFixtureRow } from './fixtures.ts';
import { LONG_CLASS, payloadWith } from './large-estate.ts';

/** The job line the trace passes through: what "where" should name. */
export const APP_FRAME = '/var/www/app/app/Services/Catalogue.php:88';
/** Where the framework threw it: what "where" named before. */
export const THROWN_AT = 'Connection.php:712';

/** The message: Markdown a shop's API sent back, backticks and all, 5 kB long. */
export const BACKTICK_MESSAGE = `SQLSTATE[42000]: Syntax error near \`\`\`sql select * from \`products\` where \`sku\` = ?\`\`\` in the generated query — ${'the API said: ```json {"error": "bad"} ``` '.repeat(120)}`;

export function longException(frames = 3000): string {
  const vendor = (n: number) => `/var/www/app/vendor/laravel/framework/src/${'Illuminate/Deep/'.repeat(8)}File${n}.php`;
  const trace = [
    '#0 /var/www/app/vendor/laravel/framework/src/Illuminate/Database/Connection.php(672): Illuminate\\Database\\Connection->runQueryCallback()',
    '#1 /var/www/app/vendor/laravel/framework/src/Illuminate/Database/Connection.php(376): Illuminate\\Database\\Connection->run()',
    '#2 /var/www/app/vendor/laravel/framework/src/Illuminate/Database/Query/Builder.php(2913): Illuminate\\Database\\Connection->select()',
    '#3 /var/www/app/app/Services/Catalogue.php(88): Illuminate\\Database\\Query\\Builder->get()',
    '#4 /var/www/app/app/Jobs/SyncProductToPrestaShop.php(41): App\\Services\\Catalogue->find()',
    ...Array.from(
      { length: frames },
      (_, i) =>
        `#${i + 5} ${vendor(i)}(${i}): Illuminate\\Pipeline\\Pipeline->Illuminate\\Pipeline\\{closure}(Object(App\\Jobs\\SyncProductToPrestaShop)) \`\`\` ünïcödé`,
    ),
    `#${frames + 5} {main}`,
  ];
  return `Illuminate\\Database\\QueryException: ${BACKTICK_MESSAGE} in /var/www/app/vendor/laravel/framework/src/Illuminate/Database/Connection.php:712\nStack trace:\n${trace.join('\n')}`;
}

/** One such failed job of the 150-character LONG_CLASS on `queue`; its uuid. */
export async function insertLongFailure(database: Database, queue = 'prestashop'): Promise<string> {
  const base = failedFixtureRow('SyncProductToPrestaShop').row;
  const uuid = randomUUID();
  await database.db
    .insertInto('failed_jobs')
    .values({
      uuid,
      connection: base.connection,
      queue,
      payload: payloadWith(base.payload, uuid, LONG_CLASS),
      exception: longException(),
      failed_at: base.failed_at,
    })
    .execute();
  return uuid;
}
