<?php

namespace App\Console;

use Illuminate\Foundation\Console\Kernel as ConsoleKernel;

class Kernel extends ConsoleKernel
{
    /**
     * Listed by hand: Kernel::load() would need composer.json to guess the namespace.
     *
     * @var array
     */
    protected $commands = [
        Commands\DispatchCommand::class,
        Commands\BatchCommand::class,
    ];
}
