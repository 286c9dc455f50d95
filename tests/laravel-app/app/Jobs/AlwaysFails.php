<?php

namespace App\Jobs;

use App\Jobs\Concerns\RecordsRuns;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Illuminate\Queue\SerializesModels;
use LogicException;
use RuntimeException;

/**
 * Throws a RuntimeException wrapping a LogicException, with a long multi-line UTF-8 message:
 * failed_jobs.exception then starts with the LogicException and ends with "Next RuntimeException".
 */
class AlwaysFails implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable, SerializesModels, RecordsRuns;

    public $tries = 1;

    public $reason;

    public function __construct(string $reason = 'import row 4711 is invalid')
    {
        $this->reason = $reason;
    }

    public function handle(): void
    {
        $this->recordRun($this->reason);

        $cause = new LogicException('Underlying cause: column "price" contains "12,50 €" which is not numeric');
        $details = str_repeat('Very long diagnostic line with ünïcödé and "quotes" and \\backslashes\\ / slashes. ', 40);

        throw new RuntimeException("AlwaysFails: {$this->reason}.\n{$details}", 0, $cause);
    }
}
