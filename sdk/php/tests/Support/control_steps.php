<?php

declare(strict_types=1);

/*
 * Control API calls in order, in a child process, while the test's own process is blocked
 * in run(). argv[1]: {"control": URL, "steps": [[METHOD, ARGUMENTS], ...]}, METHOD a method
 * of Control. Prints the results as a JSON list; exits 1 with the error on stderr.
 */

require __DIR__ . '/../bootstrap.php';

use Expacti\Tests\Support\Control;

$plan = json_decode($argv[1], true, 512, JSON_THROW_ON_ERROR);
$control = new Control($plan['control']);
$results = [];
try {
    foreach ($plan['steps'] as [$method, $arguments]) {
        $results[] = $control->{$method}(...$arguments);
    }
} catch (Throwable $error) {
    fwrite(STDERR, "{$error->getMessage()}\n");
    exit(1);
}
echo json_encode($results, JSON_THROW_ON_ERROR);
