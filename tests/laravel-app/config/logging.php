<?php

use Monolog\Handler\NullHandler;

// Null by default: PHP 8.2 deprecation notices from Laravel 8 and reported job exceptions
// go nowhere. LOG_CHANNEL=single writes them to storage/logs/laravel.log when debugging.
return [
    'default' => env('LOG_CHANNEL', 'null'),

    'deprecations' => 'null',

    'channels' => [
        'null' => [
            'driver' => 'monolog',
            'handler' => NullHandler::class,
        ],

        'single' => [
            'driver' => 'single',
            'path' => storage_path('logs/laravel.log'),
            'level' => 'debug',
        ],
    ],
];
