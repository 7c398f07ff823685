<?php

declare(strict_types=1);

// The PSR-4 mapping of composer.json, without Composer (not installed here).
spl_autoload_register(static function (string $class): void {
    $roots = ['Expacti\\Tests\\' => __DIR__ . '/', 'Expacti\\' => dirname(__DIR__) . '/src/'];
    foreach ($roots as $prefix => $directory) {
        if (str_starts_with($class, $prefix)) {
            $file = $directory . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
            return;
        }
    }
});
