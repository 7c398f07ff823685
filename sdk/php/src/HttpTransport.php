<?php

declare(strict_types=1);

namespace Expacti;

/**
 * One HTTP request through PHP's own stream wrapper (no curl): the bearer token in a
 * header, never in the URL; redirects not followed (they would carry the token elsewhere).
 *
 * Anything short of a complete response (refused, reset, EOF before the end of the body,
 * a read that timed out) is a ConnectionException, which the caller may retry.
 *
 * @internal
 */
final class HttpTransport
{
    public const MAX_BODY_BYTES = 4 << 20;

    public function __construct(
        private readonly string $baseUrl,
        #[\SensitiveParameter] private readonly string $token,
    ) {
    }

    /** @throws ConnectionException|ProtocolException */
    public function send(string $method, string $path, ?string $body, float $timeout): HttpResponse
    {
        $url = $this->baseUrl . $path;
        $headers = [
            "Authorization: Bearer {$this->token}",
            'Accept: application/json',
            'User-Agent: expacti-php/' . Client::VERSION,
            'Connection: close',
        ];
        $options = [
            'method' => $method,
            'ignore_errors' => true,
            'follow_location' => 0,
            'protocol_version' => 1.1,
            'timeout' => $timeout,
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
            return $this->exchange($url, stream_context_create(['http' => $options]), $warning);
        } finally {
            restore_error_handler();
        }
    }

    /** @param resource $context */
    private function exchange(string $url, $context, ?string &$warning): HttpResponse
    {
        $stream = fopen($url, 'rb', false, $context);
        if ($stream === false) {
            throw new ConnectionException("could not reach {$url}: " . self::reason($warning));
        }
        try {
            $meta = stream_get_meta_data($stream);
            $headers = is_array($meta['wrapper_data'] ?? null) ? $meta['wrapper_data'] : [];
            $body = stream_get_contents($stream, self::MAX_BODY_BYTES + 1);
            $meta = stream_get_meta_data($stream);
        } finally {
            fclose($stream);
        }
        if ($body === false || $meta['timed_out']) {
            $reason = self::reason($warning ?? 'timed out');
            throw new ConnectionException("lost {$url} while reading the response: {$reason}");
        }
        $status = self::status($headers);
        if ($status === null) {
            throw new ConnectionException("{$url} answered without an HTTP status line");
        }
        if (strlen($body) > self::MAX_BODY_BYTES) {
            throw new ProtocolException("the server sent a response larger than " . self::MAX_BODY_BYTES . ' bytes');
        }
        $length = self::contentLength($headers);
        if ($length !== null && strlen($body) !== $length) {
            throw new ConnectionException("lost {$url} in the middle of the response");
        }
        return new HttpResponse($status, $body);
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
}
