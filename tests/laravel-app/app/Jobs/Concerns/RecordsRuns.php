<?php

namespace App\Jobs\Concerns;

use Illuminate\Support\Facades\DB;

/**
 * Every job writes one job_runs row as soon as handle() starts, so a test can prove that
 * a job really ran, and how many times (attempt = the worker's attempt counter).
 * No properties here: the serialized command keeps the shape of the fixtures.
 */
trait RecordsRuns
{
    protected function recordRun(?string $note = null): void
    {
        DB::table('job_runs')->insert([
            'job' => class_basename($this),
            'uuid' => $this->job ? $this->job->uuid() : null,
            'attempt' => $this->job ? $this->job->attempts() : null,
            'note' => $note,
            'ran_at' => time(),
        ]);
    }
}
