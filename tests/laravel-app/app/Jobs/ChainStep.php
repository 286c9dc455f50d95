<?php

namespace App\Jobs;

use App\Jobs\Concerns\RecordsRuns;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Illuminate\Queue\SerializesModels;
use RuntimeException;

/** One link of a Bus::chain(); the next link is queued only after this one succeeds. */
class ChainStep implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable, SerializesModels, RecordsRuns;

    public $step;

    public function __construct(string $step)
    {
        $this->step = $step;
    }

    public function handle(): void
    {
        $this->recordRun("step {$this->step}");

        if (str_starts_with($this->step, 'fail')) {
            throw new RuntimeException("ChainStep {$this->step} failing on purpose");
        }
    }
}
