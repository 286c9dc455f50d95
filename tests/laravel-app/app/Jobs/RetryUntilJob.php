<?php

namespace App\Jobs;

use App\Jobs\Concerns\RecordsRuns;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Illuminate\Queue\SerializesModels;
use RuntimeException;

/** Time-limited instead of try-limited: payload.retryUntil comes from retryUntil(). */
class RetryUntilJob implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable, SerializesModels, RecordsRuns;

    public $fail;

    public $maxExceptions = 1;

    /**
     * A fixed deadline (unix seconds). Left uninitialized when not given, so it is not
     * serialized at all and the command looks exactly like the fixtures'.
     */
    public int $until;

    public function __construct(bool $fail = false, ?int $until = null)
    {
        $this->fail = $fail;

        if ($until !== null) {
            $this->until = $until;
        }
    }

    public function retryUntil()
    {
        return $this->until ?? now()->addMinutes(30);
    }

    public function handle(): void
    {
        $this->recordRun('retry-until');

        if ($this->fail) {
            throw new RuntimeException('RetryUntilJob failing on purpose');
        }
    }
}
