<?php

// The worker keeps its maxExceptions counters (job-exceptions:<uuid>) and the
// queue:restart timestamp here.
return [
    'default' => 'file',

    'stores' => [
        'file' => [
            'driver' => 'file',
            'path' => storage_path('framework/cache/data'),
        ],
    ],

    'prefix' => 'lqb_interop',
];
