<?php

declare(strict_types=1);

namespace Expacti;

/**
 * The HTTP binding's three calls (submit, long-poll, cancel), with retries.
 *
 * Network failures and 502/503/504 (`unavailable`: nothing was stored) are retried with
 * backoff for up to the reconnect window, and never past the run's deadline; a submit is
 * re-sent with the same body, so the same `request_id` and the server resumes it (200).
 * 401/403 is an AuthenticationException at once; any other failure a ProtocolException
 * with the error body's code.
 *
 * @internal
 */
final class CommandApi
{
    private const PATH = '/api/v1/commands';

    public function __construct(
        private readonly HttpTransport $http,
        private readonly string $baseUrl,
        private readonly float $reconnectTimeout,
        private readonly float $requestTimeout,
    ) {
    }

    /** `POST /api/v1/commands`: 201 created or 200 resumed. `$until`: the run's deadline. */
    public function submit(string $body, float $until): CommandView
    {
        return $this->command($this->exchange('POST', self::PATH, $body, $this->requestTimeout, $until));
    }

    /** `GET /api/v1/commands/{id}?wait=S`: the Command once decided, or after S seconds. */
    public function poll(string $id, float $wait, float $until): CommandView
    {
        $seconds = rtrim(rtrim(sprintf('%.3F', max($wait, 0.0)), '0'), '.');
        $path = self::PATH . '/' . rawurlencode($id) . '?wait=' . $seconds;
        return $this->command($this->exchange('GET', $path, null, $wait + $this->requestTimeout, $until));
    }

    /**
     * `POST /api/v1/commands/{id}/cancel`, once, best effort: whatever goes wrong, the
     * caller is already failing the run.
     */
    public function cancel(string $id, string $reason): void
    {
        $body = json_encode(['reason' => $reason], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        try {
            $this->http->send('POST', self::PATH . '/' . rawurlencode($id) . '/cancel', $body, $this->requestTimeout);
        } catch (ExpactiException) {
            // The command stays pending until the server's own timeout decides it.
        }
    }

    private function exchange(string $method, string $path, ?string $body, float $timeout, float $until): HttpResponse
    {
        $failures = 0;
        $since = null;
        while (true) {
            try {
                $response = $this->http->send($method, $path, $body, $timeout);
                if (!$response->retryable()) {
                    return $response;
                }
                $problem = $response->describe();
            } catch (ConnectionException $lost) {
                $problem = $lost->getMessage();
            }
            $now = Deadline::now();
            $since ??= $now;
            $failures += 1;
            if ($now - $since >= $this->reconnectTimeout) {
                throw new ConnectionException(sprintf(
                    'lost %s for longer than the reconnect window (%g s): %s',
                    $this->baseUrl,
                    $this->reconnectTimeout,
                    $problem,
                ));
            }
            if ($now >= $until) {
                throw new ConnectionException("could not reach {$this->baseUrl} before the deadline: {$problem}");
            }
            $pause = min(Backoff::delay($failures), $since + $this->reconnectTimeout - $now, $until - $now);
            usleep((int) ($pause * 1e6));
        }
    }

    private function command(HttpResponse $response): CommandView
    {
        if ($response->ok()) {
            return CommandView::parse($response->body);
        }
        if ($response->status === 401 || $response->status === 403) {
            throw new AuthenticationException(
                "the server refused the token ({$response->describe()})",
                $response->status,
            );
        }
        $error = $response->error();
        throw new ProtocolException("the server refused the request ({$response->describe()})", $error?->code);
    }
}
