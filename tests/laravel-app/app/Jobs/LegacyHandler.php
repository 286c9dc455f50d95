<?php

namespace App\Jobs;

use Illuminate\Support\Facades\DB;

/**
 * Old-style string job: Queue::push('App\Jobs\LegacyHandler@fire', $data).
 * payload.job is that string and payload.data is $data; the handler must delete the job itself.
 */
class LegacyHandler
{
    public function fire($job, array $data): void
    {
        DB::table('job_runs')->insert([
            'job' => 'LegacyHandler',
            'uuid' => $job->uuid(),
            'attempt' => $job->attempts(),
            'note' => 'legacy for '.($data['sku'] ?? '?'),
            'ran_at' => time(),
        ]);

        if (! empty($data['fail'])) {
            throw new \RuntimeException('LegacyHandler failing on purpose for '.($data['sku'] ?? '?'));
        }

        $job->delete();
    }
}
