<?php

return [
    // The harness sets QUEUE_CONNECTION=redis for its Redis workers (and test:dispatch
    // --connection=redis switches it), so that jobs dispatched with no connection of their own,
    // such as a chain's next step, stay on Redis as in an app whose default connection it is.
    'default' => env('QUEUE_CONNECTION', 'database'),

    'connections' => [
        'database' => [
            'driver' => 'database',
            'table' => env('QUEUE_TABLE', 'jobs'),
            'queue' => 'default',
            'retry_after' => (int) env('QUEUE_RETRY_AFTER', 90),
            'after_commit' => false,
        ],

        // Laravel's Redis driver on database.redis.default; failed jobs still go to the SQL
        // failed_jobs table below (connection = 'redis'), as in a real Redis app.
        'redis' => [
            'driver' => 'redis',
            'connection' => 'default',
            'queue' => 'default',
            'retry_after' => (int) env('REDIS_QUEUE_RETRY_AFTER', 90),
            'block_for' => is_numeric(env('REDIS_QUEUE_BLOCK_FOR')) ? (int) env('REDIS_QUEUE_BLOCK_FOR') : null,
            'after_commit' => false,
        ],
    ],

    'batching' => [
        'database' => env('DB_CONNECTION', 'mysql'),
        'table' => 'job_batches',
    ],

    'failed' => [
        'driver' => 'database-uuids',
        'database' => env('DB_CONNECTION', 'mysql'),
        'table' => 'failed_jobs',
    ],
];
