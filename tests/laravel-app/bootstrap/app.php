<?php

/*
 * Boots Laravel 8 from Debian's php-laravel-framework package (no composer, no vendor/).
 *
 * Environment knobs besides the usual APP_* / DB_* / QUEUE_* ones (see config/):
 *   LARAVEL_FRAMEWORK_AUTOLOAD  autoloader of the framework (default: Debian's path)
 *   LARAVEL_STORAGE_PATH        storage directory (default: ./storage); the test harness gives
 *                               every app instance its own one
 *   APP_SERVICES_CACHE / APP_PACKAGES_CACHE  Laravel's own switches for bootstrap/cache files
 */

$frameworkAutoload = getenv('LARAVEL_FRAMEWORK_AUTOLOAD') ?: '/usr/share/php/Illuminate/autoload.php';

if (! is_file($frameworkAutoload)) {
    fwrite(STDERR, "Laravel framework not found at {$frameworkAutoload}.\n"
        ."Install it with: apt-get install -y php-cli php-mysql php-sqlite3 php-mbstring php-laravel-framework\n");
    exit(78);
}

require_once $frameworkAutoload;

// The app's own classes: a tiny PSR-4 loader instead of composer's.
spl_autoload_register(static function (string $class): void {
    $roots = ['App\\' => dirname(__DIR__).'/app/'];

    foreach ($roots as $prefix => $dir) {
        if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
            continue;
        }

        $file = $dir.str_replace('\\', '/', substr($class, strlen($prefix))).'.php';

        if (is_file($file)) {
            require $file;
        }

        return;
    }
});

$app = new Illuminate\Foundation\Application(dirname(__DIR__));

if ($storagePath = getenv('LARAVEL_STORAGE_PATH')) {
    $app->useStoragePath($storagePath);
}

$app->singleton(Illuminate\Contracts\Console\Kernel::class, App\Console\Kernel::class);
$app->singleton(Illuminate\Contracts\Debug\ExceptionHandler::class, App\Exceptions\Handler::class);

return $app;
