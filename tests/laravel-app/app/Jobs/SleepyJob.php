<?php

namespace App\Jobs;

use App\Jobs\Concerns\RecordsRuns;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Illuminate\Queue\SerializesModels;

/** Sleeps; a test kills the worker while it does, leaving the jobs row reserved. */
class SleepyJob implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable, SerializesModels, RecordsRuns;

    public $tries = 1;

    public $seconds;

    public function __construct(int $seconds = 600)
    {
        $this->seconds = $seconds;
    }

    public function handle(): void
    {
        $this->recordRun("sleeping {$this->seconds}s");

        sleep($this->seconds);
    }
}
