<?php

namespace App\Console\Commands;

use App\Jobs\AlwaysFails;
use App\Jobs\ChainStep;
use App\Jobs\ExportOrder;
use App\Jobs\ImportCsvChunk;
use App\Jobs\RetryUntilJob;
use App\Jobs\SendInvoiceEmail;
use App\Jobs\SleepyJob;
use App\Jobs\SyncProductToPrestaShop;
use App\Models\Product;
use App\Models\Shop;
use Illuminate\Bus\Batch;
use Illuminate\Console\Command;
use Illuminate\Queue\Events\JobQueued;
use Illuminate\Support\Facades\Bus;
use Illuminate\Support\Facades\DB;
use Illuminate\Support\Facades\Event;
use Illuminate\Support\Facades\Log;
use Illuminate\Support\Facades\Queue;
use InvalidArgumentException;
use Throwable;

/**
 * Dispatches test jobs the way an application would, and prints what landed in the jobs table:
 * {"kind":…, "batchId":…|null, "uuids":[…], "jobs":[{"id","uuid","queue","displayName"}]}
 * With --connection=redis, what landed in Redis instead: "id" is then the payload's string id
 * (Str::random(32), not the uuid) and each job also says whether it sits in :delayed.
 */
class DispatchCommand extends Command
{
    protected $signature = 'test:dispatch
        {kind : sync-product, sleepy, encrypted, chain, retry-until, legacy, closure, always-fails, export-order or batch}
        {--count=1 : how many jobs (batch: how many batches)}
        {--queue= : queue name (default depends on the kind)}
        {--delay= : delay in seconds}
        {--fail : make the job fail (sync-product: target the failing shop 2 with tries=1)}
        {--seconds= : sleepy: seconds to sleep (default 600)}
        {--tries= : sync-product: override $tries}
        {--product= : sync-product: product id (default cycles 1001..1004)}
        {--shop= : sync-product, export-order: shop id (default 1, or 2 with --fail)}
        {--order=4711 : export-order: order id}
        {--until= : retry-until: fixed retryUntil deadline, unix seconds}
        {--email=jane.doe@example.com : encrypted: recipient}
        {--reason= : always-fails: reason text}
        {--allow-failures : batch: allowFailures()}
        {--connection= : queue connection: database (default) or redis}';

    protected $description = 'Dispatch interop test jobs and print their ids and uuids as JSON';

    private const DEFAULT_QUEUES = [
        'sync-product' => 'prestashop',
        'batch' => 'imports',
    ];

    public function handle(): int
    {
        $kind = (string) $this->argument('kind');
        $count = max(1, (int) $this->option('count'));
        $queue = $this->option('queue') ?: (self::DEFAULT_QUEUES[$kind] ?? 'default');
        $delay = $this->option('delay') !== null ? now()->addSeconds((int) $this->option('delay')) : null;
        $fail = (bool) $this->option('fail');
        $connection = $this->option('connection') ?: config('queue.default');

        if (! is_array(config("queue.connections.{$connection}"))) {
            $this->getOutput()->getErrorStyle()->writeln("Unknown queue connection [{$connection}]");

            return 2;
        }

        // As an app whose QUEUE_CONNECTION it is: the jobs keep connection = null in their
        // serialized command (no onConnection()), like the fixtures, and batches and chains follow.
        config(['queue.default' => $connection]);
        $isRedis = config("queue.connections.{$connection}.driver") === 'redis';

        $jobIds = [];
        Event::listen(JobQueued::class, function (JobQueued $event) use (&$jobIds, $isRedis) {
            $jobIds[] = $isRedis ? (string) $event->id : (int) $event->id;
        });

        $batchIds = [];

        try {
            for ($i = 0; $i < $count; $i++) {
                $batchId = $this->dispatchKind($kind, $i, $queue, $delay, $fail);

                if ($batchId !== null) {
                    $batchIds[] = $batchId;
                }
            }
        } catch (InvalidArgumentException $e) {
            $this->getOutput()->getErrorStyle()->writeln($e->getMessage());

            return 2;
        }

        if ($isRedis) {
            return $this->printRedisJobs($kind, $connection, $queue, $jobIds, $batchIds);
        }

        $table = DB::table(config('queue.connections.database.table'));
        $rows = $table->whereIn('id', $jobIds)->get()->all();

        // Batch members are bulk-inserted, which raises no JobQueued event.
        foreach ($batchIds as $batchId) {
            $members = DB::table(config('queue.connections.database.table'))
                ->where('payload', 'like', '%'.$batchId.'%')
                ->get()->all();
            $rows = array_merge($rows, $members);
        }

        usort($rows, fn ($a, $b) => $a->id <=> $b->id);

        $jobs = array_map(function ($row) {
            $payload = json_decode($row->payload, true);

            return [
                'id' => (int) $row->id,
                'uuid' => $payload['uuid'] ?? null,
                'queue' => $row->queue,
                'displayName' => $payload['displayName'] ?? null,
            ];
        }, $rows);

        $this->line(json_encode([
            'kind' => $kind,
            'batchId' => $batchIds[0] ?? null,
            'batchIds' => $batchIds,
            'uuids' => array_column($jobs, 'uuid'),
            'jobs' => $jobs,
        ], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE));

        return 0;
    }

    /**
     * What the Redis driver stored for the JobQueued ids (every job, batch members included: the
     * driver's bulk() pushes them one by one), read back from the ready list and the :delayed zset.
     */
    private function printRedisJobs(string $kind, string $connection, string $queue, array $ids, array $batchIds): int
    {
        $redis = app('redis')->connection(config("queue.connections.{$connection}.connection"));
        $key = 'queues:'.$queue; // the client adds the prefix

        $stored = [];

        foreach ($redis->lrange($key, 0, -1) as $payload) {
            $stored[] = [$payload, false];
        }

        foreach ($redis->zrange($key.':delayed', 0, -1) as $payload) {
            $stored[] = [$payload, true];
        }

        $byId = [];

        foreach ($stored as [$payload, $delayed]) {
            $decoded = json_decode($payload, true);

            if (is_array($decoded) && isset($decoded['id'])) {
                $byId[(string) $decoded['id']] = [$decoded, $delayed];
            }
        }

        $jobs = [];

        foreach ($ids as $id) {
            if (! isset($byId[$id])) {
                $this->getOutput()->getErrorStyle()->writeln("Job [{$id}] is not in {$key} nor {$key}:delayed");

                return 1;
            }

            [$payload, $delayed] = $byId[$id];
            $jobs[] = [
                'id' => $id,
                'uuid' => $payload['uuid'] ?? null,
                'queue' => $queue,
                'displayName' => $payload['displayName'] ?? null,
                'delayed' => $delayed,
            ];
        }

        $this->line(json_encode([
            'kind' => $kind,
            'batchId' => $batchIds[0] ?? null,
            'batchIds' => $batchIds,
            'uuids' => array_column($jobs, 'uuid'),
            'jobs' => $jobs,
        ], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE));

        return 0;
    }

    /** Dispatches one job (or one chain / batch); returns the batch id for batches. */
    private function dispatchKind(string $kind, int $i, string $queue, $delay, bool $fail): ?string
    {
        switch ($kind) {
            case 'sync-product':
                $productId = (int) ($this->option('product') ?: 1001 + ($i % 4));
                $shopId = (int) ($this->option('shop') ?: ($fail ? 2 : 1));
                $job = new SyncProductToPrestaShop(Product::findOrFail($productId), Shop::findOrFail($shopId));

                if ($this->option('tries') !== null) {
                    $job->tries = (int) $this->option('tries');
                } elseif ($fail) {
                    $job->tries = 1;
                }

                $this->send($job, $queue, $delay);

                return null;

            case 'sleepy':
                $this->send(new SleepyJob((int) ($this->option('seconds') ?: 600)), $queue, $delay);

                return null;

            case 'encrypted':
                $this->send(new SendInvoiceEmail(
                    (string) $this->option('email'), 'tok_live_'.bin2hex(random_bytes(8)), $fail
                ), $queue, $delay);

                return null;

            case 'retry-until':
                $until = $this->option('until');
                $this->send(new RetryUntilJob($fail, $until !== null ? (int) $until : null), $queue, $delay);

                return null;

            case 'export-order':
                $shopId = (int) ($this->option('shop') ?: ($fail ? 2 : 1));
                $this->send(new ExportOrder((int) $this->option('order') + $i, Shop::findOrFail($shopId)), $queue, $delay);

                return null;

            case 'always-fails':
                $job = $this->option('reason') !== null
                    ? new AlwaysFails((string) $this->option('reason'))
                    : new AlwaysFails();
                $this->send($job, $queue, $delay);

                return null;

            case 'chain':
                $chain = Bus::chain([
                    new ChainStep('one'),
                    new ChainStep($fail ? 'fail-two' : 'two'),
                    new ChainStep('three'),
                ])->onQueue($queue);

                if ($delay) {
                    $chain->delay($delay);
                }

                $chain->dispatch();

                return null;

            case 'legacy':
                $data = ['sku' => 'SKU-'.(1001 + ($i % 4))];

                if ($fail) {
                    $data['fail'] = true;
                }

                $delay
                    ? Queue::later($delay, 'App\Jobs\LegacyHandler@fire', $data, $queue)
                    : Queue::push('App\Jobs\LegacyHandler@fire', $data, $queue);

                return null;

            case 'closure':
                $sku = 'SKU-'.(1001 + ($i % 4));
                $pending = $fail
                    ? dispatch(function () use ($sku) {
                        \Illuminate\Support\Facades\DB::table('job_runs')->insert(['job' => 'Closure', 'uuid' => null, 'attempt' => null, 'note' => "failing closure for $sku", 'ran_at' => time()]);

                        throw new \RuntimeException("closure for $sku failing on purpose");
                    })
                    : dispatch(function () use ($sku) {
                        \Illuminate\Support\Facades\DB::table('job_runs')->insert(['job' => 'Closure', 'uuid' => null, 'attempt' => null, 'note' => "closure for $sku", 'ran_at' => time()]);
                    });
                $pending->onQueue($queue);

                if ($delay) {
                    $pending->delay($delay);
                }

                unset($pending); // PendingDispatch queues the job in its destructor

                return null;

            case 'batch':
                $jobs = [];

                for ($chunk = 1; $chunk <= 3; $chunk++) {
                    $jobs[] = (new ImportCsvChunk('products.csv', $chunk, $fail && $chunk === 2))->onQueue($queue);
                }

                $pending = Bus::batch($jobs)
                    ->name('Import products.csv')
                    ->onQueue($queue)
                    ->then(function (Batch $batch) {
                        \Illuminate\Support\Facades\Log::info('batch then '.$batch->id);
                    })
                    ->catch(function (Batch $batch, Throwable $e) {
                        \Illuminate\Support\Facades\Log::warning('batch catch '.$batch->id.': '.$e->getMessage());
                    })
                    ->finally(function (Batch $batch) {
                        \Illuminate\Support\Facades\Log::info('batch finally '.$batch->id);
                    });

                if ($this->option('allow-failures')) {
                    $pending->allowFailures();
                }

                return $pending->dispatch()->id;

            default:
                throw new InvalidArgumentException("Unknown kind [{$kind}]");
        }
    }

    private function send($job, string $queue, $delay): void
    {
        $job->onQueue($queue);

        if ($delay) {
            $job->delay($delay);
        }

        dispatch($job);
    }
}
