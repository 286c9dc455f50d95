// Runs the real Laravel 8 test app (tests/laravel-app, Debian's php-laravel-framework) against
// the artisan database, with the environment tests/support/laravel.ts builds for the tests.
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { laravelEnv, laravelSandbox, phpAvailable, runPhp, type LaravelSandbox } from '../tests/support/laravel.ts';

export interface ArtisanRun {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
}

export class ArtisanApp {
  readonly #sandbox: LaravelSandbox;
  readonly #env: Record<string, string>;

  /** `dbEnv`: Laravel's DB_* variables for the artisan database (Engine.laravelDbEnv). */
  constructor(dbEnv: Record<string, string>) {
    this.#sandbox = laravelSandbox('lqb-bench-laravel-');
    this.#env = laravelEnv(this.#sandbox, dbEnv);
  }

  static available(): boolean {
    return phpAvailable();
  }

  /** php artisan <args>; the time is the whole process, as an operator would see it. */
  async run(args: string[], timeoutMs = 30 * 60_000): Promise<ArtisanRun> {
    const started = performance.now();
    const r = await runPhp(['artisan', ...args], this.#env, timeoutMs);
    return { code: r.code, ms: performance.now() - started, stdout: r.stdout, stderr: r.stderr };
  }

  async check(args: string[]): Promise<ArtisanRun> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`php artisan ${args.join(' ')} exited with ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    return r;
  }

  dispose(): void {
    rmSync(this.#sandbox.tmpDir, { recursive: true, force: true });
  }
}
