// Runs the real Laravel 8 test app (tests/laravel-app, Debian's php-laravel-framework) against
// the artisan database, with the same environment as tests/support/laravel.ts builds.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LARAVEL_APP_DIR, fixtureAppKey, phpAvailable } from '../tests/support/laravel.ts';
import type { MysqlServer } from './config.ts';

const PHP = process.env.LQB_PHP ?? 'php';

export interface ArtisanRun {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
}

export class ArtisanApp {
  readonly #tmp: string;
  readonly #env: Record<string, string>;

  constructor(server: MysqlServer, database: string) {
    this.#tmp = mkdtempSync(join(tmpdir(), 'lqb-bench-laravel-'));
    const storage = join(this.#tmp, 'storage');
    const cache = join(this.#tmp, 'bootstrap-cache');
    for (const d of ['framework/cache/data', 'logs']) mkdirSync(join(storage, d), { recursive: true });
    mkdirSync(cache, { recursive: true });
    const keep: Record<string, string> = {};
    for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL']) {
      const v = process.env[name];
      if (v !== undefined) keep[name] = v;
    }
    this.#env = {
      ...keep,
      APP_ENV: 'local',
      APP_KEY: fixtureAppKey(),
      APP_TIMEZONE: 'UTC',
      QUEUE_RETRY_AFTER: '90',
      QUEUE_TABLE: 'jobs',
      LOG_CHANNEL: 'null',
      LARAVEL_STORAGE_PATH: storage,
      APP_SERVICES_CACHE: join(cache, 'services.php'),
      APP_PACKAGES_CACHE: join(cache, 'packages.php'),
      APP_CONFIG_CACHE: join(cache, 'config.php'),
      APP_ROUTES_CACHE: join(cache, 'routes.php'),
      APP_EVENTS_CACHE: join(cache, 'events.php'),
      DB_CONNECTION: 'mysql',
      DB_HOST: server.host,
      DB_PORT: String(server.port),
      DB_DATABASE: database,
      DB_USERNAME: server.user,
      DB_PASSWORD: server.password,
    };
  }

  static available(): boolean {
    return phpAvailable();
  }

  /** php artisan <args>; the time is the whole process, as an operator would see it. */
  run(args: string[], timeoutMs = 30 * 60_000): Promise<ArtisanRun> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const child = spawn(PHP, ['artisan', ...args], { cwd: LARAVEL_APP_DIR, env: this.#env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, ms: performance.now() - started, stdout, stderr });
      });
    });
  }

  async check(args: string[]): Promise<ArtisanRun> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`php artisan ${args.join(' ')} exited with ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    return r;
  }

  dispose(): void {
    rmSync(this.#tmp, { recursive: true, force: true });
  }
}
