<?php

namespace App\Console\Commands;

use Illuminate\Console\Command;
use Illuminate\Support\Facades\Bus;

/** Prints Laravel's own view of a batch (Bus::findBatch) as JSON, or null. */
class BatchCommand extends Command
{
    protected $signature = 'test:batch {id}';

    protected $description = 'Print Bus::findBatch($id) as JSON';

    public function handle(): int
    {
        $batch = Bus::findBatch((string) $this->argument('id'));

        if ($batch === null) {
            $this->line('null');

            return 1;
        }

        $this->line(json_encode([
            'id' => $batch->id,
            'name' => $batch->name,
            'totalJobs' => $batch->totalJobs,
            'pendingJobs' => $batch->pendingJobs,
            'processedJobs' => $batch->processedJobs(),
            'progress' => $batch->progress(),
            'failedJobs' => $batch->failedJobs,
            'failedJobIds' => $batch->failedJobIds,
            'cancelled' => $batch->cancelled(),
            'finished' => $batch->finished(),
            'hasFailures' => $batch->hasFailures(),
            'allowsFailures' => $batch->allowsFailures(),
            'createdAt' => $batch->createdAt ? $batch->createdAt->getTimestamp() : null,
            'cancelledAt' => $batch->cancelledAt ? $batch->cancelledAt->getTimestamp() : null,
            'finishedAt' => $batch->finishedAt ? $batch->finishedAt->getTimestamp() : null,
        ], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE));

        return 0;
    }
}
