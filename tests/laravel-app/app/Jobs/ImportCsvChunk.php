<?php

namespace App\Jobs;

use App\Jobs\Concerns\RecordsRuns;
use Illuminate\Bus\Batchable;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Illuminate\Queue\SerializesModels;
use RuntimeException;

/** A batch member. */
class ImportCsvChunk implements ShouldQueue
{
    use Batchable, Dispatchable, InteractsWithQueue, Queueable, SerializesModels, RecordsRuns;

    public $tries = 1;

    public $file;

    public $chunk;

    public $fail;

    public function __construct(string $file, int $chunk, bool $fail = false)
    {
        $this->file = $file;
        $this->chunk = $chunk;
        $this->fail = $fail;
    }

    public function handle(): void
    {
        if ($this->batch() && $this->batch()->cancelled()) {
            // Returning early still counts as a success for the batch.
            $this->recordRun("chunk {$this->chunk} skipped: batch cancelled");

            return;
        }

        $this->recordRun("chunk {$this->chunk} of {$this->file}");

        if ($this->fail) {
            throw new RuntimeException(
                "CSV {$this->file} chunk {$this->chunk}: unexpected column count 7 (expected 9) on line 1203"
            );
        }
    }
}
