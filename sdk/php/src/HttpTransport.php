<?php

declare(strict_types=1);

namespace Expacti;

/**
 * One HTTP request through PHP's own stream wrapper (no curl): the bearer token in a
 * header, never in the URL; redirects not followed (they would carry the token elsewhere).
 *
 * Each request has a limit for the whole exchange, on the monotonic clock: the stream
 * wrapper's `timeout` bounds only each read, so a server sending a byte now and then
 * would otherwise hold the caller forever. The body is read chunk by chunk, each read
 * allowed only what is left of the limit.
 *
 * Anything short of a complete response in time (refused, reset, EOF before the end of
 * the body, past the limit) is a ConnectionException, which the caller may retry.
 *
 * @internal
 */
final class HttpTransport
{
    public const MAX_BODY_BYTES = 4 << 20;
    private const CHUNK_BYTES = 65536;

    /**
     * The token, in a wrapper that var_dump(), var_export(), print_r() and exception
     * traces show without its value, and that cannot be serialized; a closure before
     * PHP 8.2 (same properties).
     */
    private readonly \SensitiveParameterValue|\Closure $token;

    public function __construct(
        private readonly string $baseUrl,
        #[\SensitiveParameter] string $token,
    ) {
        $this->token = class_exists(\SensitiveParameterValue::class)
            ? new \SensitiveParameterValue($token)
            : static fn (): string => $token;
    }

    /**
     * `$limit`: seconds the whole exchange may take, from connecting to the last byte.
     *
     * @throws ConnectionException|ProtocolException
     */
    public function send(string $method, string $path, ?string $body, float $limit): HttpResponse
    {
        $started = Deadline::now();
        $url = $this->baseUrl . $path;
        $headers = [
            "Authorization: Bearer {$this->token()}",
            'Accept: application/json',
            'User-Agent: expacti-php/' . Client::VERSION,
            'Connection: close',
        ];
        $options = [
            'method' => $method,
            'ignore_errors' => true,
            'follow_location' => 0,
            'protocol_version' => 1.1,
            // Bounds connecting and each read of the status line and headers.
            'timeout' => max($limit, 0.001),
        ];
        if ($body !== null) {
            $headers[] = 'Content-Type: application/json';
            $options['content'] = $body;
        }
        $options['header'] = $headers;
        $warning = null;
        set_error_handler(static function (int $level, string $message) use (&$warning): bool {
            $warning = $message;
            return true;
        });
        try {
            return $this->exchange($url, stream_context_create(['http' => $options]), $started + $limit, $warning);
        } finally {
            restore_error_handler();
        }
    }

    /** @param resource $context */
    private function exchange(string $url, $context, float $until, ?string &$warning): HttpResponse
    {
        $limit = $until - Deadline::now();
        $stream = $limit > 0 ? fopen($url, 'rb', false, $context) : false;
        if ($stream === false) {
            if (Deadline::now() >= $until) {
                throw self::tooSlow($url, $limit);
            }
            throw new ConnectionException("could not reach {$url}: " . self::reason($warning));
        }
        try {
            $meta = stream_get_meta_data($stream);
            $headers = is_array($meta['wrapper_data'] ?? null) ? $meta['wrapper_data'] : [];
            $length = self::contentLength($headers);
            $body = self::readBody($stream, $url, $until, $limit, $length, $warning);
        } finally {
            fclose($stream);
        }
        $status = self::status($headers);
        if ($status === null) {
            throw new ConnectionException("{$url} answered without an HTTP status line");
        }
        if ($length !== null && strlen($body) !== $length) {
            throw new ConnectionException("lost {$url} in the middle of the response");
        }
        return new HttpResponse($status, $body);
    }

    /**
     * The body up to its end (its Content-Length, else the end of the stream), or an
     * exception once `$until` (monotonic) passed.
     *
     * @param resource $stream
     */
    private static function readBody($stream, string $url, float $until, float $limit, ?int $length, ?string &$warning): string
    {
        $body = '';
        while (($length === null || strlen($body) < $length) && !feof($stream)) {
            $left = $until - Deadline::now();
            if ($left <= 0) {
                throw self::tooSlow($url, $limit);
            }
            $seconds = (int) floor($left);
            stream_set_timeout($stream, $seconds, max((int) (($left - $seconds) * 1e6), 1));
            $chunk = fread($stream, self::CHUNK_BYTES);
            if (stream_get_meta_data($stream)['timed_out']) {
                throw self::tooSlow($url, $limit);
            }
            if ($chunk === false) {
                throw new ConnectionException("lost {$url} while reading the response: " . self::reason($warning));
            }
            $body .= $chunk;
            if (strlen($body) > self::MAX_BODY_BYTES) {
                throw new ProtocolException('the server sent a response larger than ' . self::MAX_BODY_BYTES . ' bytes');
            }
        }
        return $body;
    }

    private static function tooSlow(string $url, float $limit): ConnectionException
    {
        return new ConnectionException(sprintf('%s took longer than %s s to answer', $url, self::seconds($limit)));
    }

    /** "0.3", "10", "59.999": a limit as people write it. */
    private static function seconds(float $value): string
    {
        return rtrim(rtrim(sprintf('%.3F', max($value, 0.0)), '0'), '.');
    }

    private function token(): string
    {
        return $this->token instanceof \Closure ? ($this->token)() : $this->token->getValue();
    }

    /** @param list<string> $headers */
    private static function status(array $headers): ?int
    {
        $line = $headers[0] ?? '';
        return preg_match('#^HTTP/\d(?:\.\d)?\s+(\d{3})\b#', $line, $m) === 1 ? (int) $m[1] : null;
    }

    /** @param list<string> $headers */
    private static function contentLength(array $headers): ?int
    {
        $length = null;
        foreach ($headers as $header) {
            if (preg_match('/^content-length:\s*(\d+)\s*$/i', $header, $m) === 1) {
                $length = (int) $m[1];
            }
        }
        return $length;
    }

    /** The warning without PHP's "fopen(url): " prefix. */
    private static function reason(?string $warning): string
    {
        $text = preg_replace('/^\w+\(.*?\):\s*/', '', $warning ?? 'unknown error');
        return $text === null || $text === '' ? 'unknown error' : $text;
    }

    /** Keeps the token out of var_dump() and print_r(). */
    public function __debugInfo(): array
    {
        return ['baseUrl' => $this->baseUrl];
    }

    /** @throws \LogicException always: a serialized transport would write the token out */
    public function __serialize(): array
    {
        throw new \LogicException('an expacti transport holds a token and cannot be serialized');
    }

    /** @throws \LogicException always */
    public function __unserialize(array $data): void
    {
        throw new \LogicException('an expacti transport cannot be unserialized');
    }
}
