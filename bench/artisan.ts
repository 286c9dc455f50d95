// Runs the real Laravel 8 test app (tests/laravel-app, Debian's php-laravel-framework) against
// the artisan database, with the environment tests/support/laravel.ts builds for the tests.
import { rmSync } from 'node:fs';
import { LARAVEL_APP_DIR, laravelEnv, laravelSandbox, phpAvailable, type LaravelSandbox } from '../tests/support/laravel.ts';
import { outsideEnv, runProcess, type ProcessRun } from './processes.ts';

const PHP = process.env.LQB_PHP ?? 'php';

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

  /** The app's APP_KEY (the fixtures'), for the bot pointed at the same database. */
  get appKey(): string {
    return this.#env.APP_KEY!;
  }

  /** php artisan <args>; the time is the whole process, as an operator would see it. */
  run(args: string[], timeoutMs = 30 * 60_000): Promise<ProcessRun> {
    return runProcess(PHP, ['artisan', ...args], { cwd: LARAVEL_APP_DIR, env: { ...outsideEnv(), ...this.#env }, timeoutMs });
  }

  async check(args: string[]): Promise<ProcessRun> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`php artisan ${args.join(' ')} exited with ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    return r;
  }

  dispose(): void {
    rmSync(this.#sandbox.tmpDir, { recursive: true, force: true });
  }
}
