<?php

declare(strict_types=1);

/*
 * A scripted HTTP server on a loopback port, run as a child process by FakeServer, for
 * the failures the real server cannot be made to show (a 503 then a 201, a dropped
 * connection, a contradictory decision).
 *
 * argv[1]: {"steps": [STEP, ...], "repeat_last": bool}; one connection per step, in order.
 *   STEP: {"status": 201, "raw": "text"}        a response with that body (FakeServer
 *                                               encodes a "body" as JSON into "raw"); the
 *                                               string "$request_id" anywhere in it becomes
 *                                               the request_id of the last submit
 *         {"close": true}                       the connection closed without a response
 *         {"truncate": true, ...}               the body cut short of its Content-Length
 *         {"hold": true, ...}                   answered after the request's ?wait= seconds
 *         {"pause": S, ...}                     answered (or closed) after S seconds
 *         {"headers": {"Location": "..."}, ...} extra response headers
 *         {"trickle": S}                        a 200 promising a large body, then one byte
 *                                               every 0.1 s for at most S seconds (a server
 *                                               that is slow, not silent) or until the
 *                                               client hangs up
 * argv[2]: a file that gets one JSON line per request: method, path, headers, body.
 * Prints its port on the first line of stdout.
 */

[$script, $scenarioJson, $logFile] = $argv;
$scenario = json_decode($scenarioJson, true, 512, JSON_THROW_ON_ERROR);
$server = stream_socket_server('tcp://127.0.0.1:0', $code, $message);
if ($server === false) {
    fwrite(STDERR, "cannot listen: {$message}\n");
    exit(1);
}
$name = (string) stream_socket_get_name($server, false);
echo substr($name, strrpos($name, ':') + 1), "\n";
fflush(STDOUT);

$requestId = '';
$steps = $scenario['steps'];
for ($index = 0; ; $index += 1) {
    if ($index >= count($steps) && !$scenario['repeat_last']) {
        exit(0);
    }
    $step = $steps[min($index, count($steps) - 1)];
    $connection = stream_socket_accept($server, 60);
    if ($connection === false) {
        exit(0);
    }
    $request = readRequest($connection);
    file_put_contents($logFile, json_encode($request, JSON_UNESCAPED_SLASHES) . "\n", FILE_APPEND | LOCK_EX);
    if ($request['method'] === 'POST' && $request['path'] === '/api/v1/commands') {
        $requestId = (string) (json_decode($request['body'], true)['request_id'] ?? '');
    }
    if ($step['hold'] ?? false) {
        parse_str((string) parse_url($request['path'], PHP_URL_QUERY), $query);
        usleep((int) ((float) ($query['wait'] ?? 0) * 1e6));
    }
    usleep((int) ((float) ($step['pause'] ?? 0) * 1e6));
    if (isset($step['trickle'])) {
        trickle($connection, (float) $step['trickle']);
    } elseif (!($step['close'] ?? false)) {
        $body = str_replace('$request_id', $requestId, $step['raw']);
        $length = strlen($body) + (($step['truncate'] ?? false) ? 10 : 0);
        $extra = '';
        foreach ($step['headers'] ?? [] as $key => $value) {
            $extra .= "{$key}: {$value}\r\n";
        }
        fwrite($connection, "HTTP/1.1 {$step['status']} Fake\r\nContent-Type: application/json\r\n"
            . "Content-Length: {$length}\r\n{$extra}Connection: close\r\n\r\n{$body}");
    }
    fclose($connection);
}

/**
 * A response whose body never completes: a byte at a time, each within any per-read
 * timeout, for at most `$seconds` (the hang guard of a client that never gives up).
 *
 * @param resource $connection
 */
function trickle($connection, float $seconds): void
{
    $until = hrtime(true) / 1e9 + $seconds;
    $head = "HTTP/1.1 200 Fake\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n";
    if (!@fwrite($connection, $head)) {
        return;
    }
    while (hrtime(true) / 1e9 < $until) {
        usleep(100000);
        // A client that hung up makes a write fail (the peer's reset), at the latest the second.
        if (!@fwrite($connection, ' ')) {
            return;
        }
    }
}

/** @param resource $connection */
function readRequest($connection): array
{
    $head = '';
    while (!str_contains($head, "\r\n\r\n") && !feof($connection)) {
        $head .= (string) fgets($connection);
    }
    $lines = explode("\r\n", trim($head));
    [$method, $path] = explode(' ', array_shift($lines));
    $headers = [];
    foreach ($lines as $line) {
        [$key, $value] = explode(':', $line, 2);
        $headers[strtolower(trim($key))] = trim($value);
    }
    $length = (int) ($headers['content-length'] ?? 0);
    $body = $length > 0 ? (string) stream_get_contents($connection, $length) : '';
    return ['method' => $method, 'path' => $path, 'headers' => $headers, 'body' => $body];
}
