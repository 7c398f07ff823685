<?php

declare(strict_types=1);

namespace Expacti;

/**
 * The HTTP binding's calls (submit, long-poll, cancel, session end), with retries.
 *
 * Network failures and 502/503/504 (`unavailable`: nothing was stored) are retried with
 * backoff for up to the reconnect window, and never past the run's deadline; a submit is
 * re-sent with the same body, so the same `request_id` and the server resumes it (200).
 * Every attempt is limited to the time left before the deadline, and a long-poll asks for
 * no more than that. 401/403 is an AuthenticationException at once; any other failure a
 * ProtocolException with the error body's code and the status.
 *
 * @internal
 */
final class CommandApi
{
    /** The most a cancel may take in all, with the submit that looks up an unknown id. */
    public const CANCEL_SECONDS = 5.0;

    private const PATH = '/api/v1/commands';
    private const SESSION_END_PATH = '/api/v1/sessions/end';

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
        $request = fn (float $left): array => [self::PATH, $this->requestTimeout];
        return $this->command($this->exchange('POST', $request, $body, $until));
    }

    /**
     * `GET /api/v1/commands/{id}?wait=S`: the Command once decided, or after S seconds, S
     * being `$maxWait` or, when less, the time left before `$until` when the request is
     * (re)sent.
     */
    public function poll(string $id, float $maxWait, float $until): CommandView
    {
        $request = function (float $left) use ($id, $maxWait): array {
            $wait = min($maxWait, floor($left * 1000) / 1000);
            $path = self::PATH . '/' . rawurlencode($id) . '?wait=' . self::seconds($wait);
            return [$path, $wait + $this->requestTimeout];
        };
        return $this->command($this->exchange('GET', $request, null, $until));
    }

    /**
     * `POST /api/v1/commands/{id}/cancel`, once, best effort and within CANCEL_SECONDS:
     * whatever goes wrong, the caller is already failing the run. Without an id (the
     * submit's answer was lost or unreadable), the submit is sent again first with the
     * same body, so the same request_id, and the server answers with the command it holds.
     */
    public function cancel(?string $id, string $submitBody, string $reason): void
    {
        $until = Deadline::now() + self::CANCEL_SECONDS;
        try {
            if ($id === null) {
                $view = $this->command($this->http->send('POST', self::PATH, $submitBody, $this->within($until)));
                if ($view->decision !== null) {
                    return; // decided already: nothing is waiting
                }
                $id = $view->id;
            }
            $body = json_encode(['reason' => $reason], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
            $this->http->send('POST', self::PATH . '/' . rawurlencode($id) . '/cancel', $body, $this->within($until));
        } catch (ExpactiException) {
            // The command stays pending until the server's own timeout decides it.
        }
    }

    /** `POST /api/v1/sessions/end`: 204. */
    public function endSession(string $body): void
    {
        $request = fn (float $left): array => [self::SESSION_END_PATH, $this->requestTimeout];
        $this->check($this->exchange('POST', $request, $body, INF));
    }

    /**
     * @param \Closure(float): array{string, float} $request the path and the request's own
     *        limit, given the seconds left before `$until`; asked again for every attempt
     */
    private function exchange(string $method, \Closure $request, ?string $body, float $until): HttpResponse
    {
        $failures = 0;
        $since = null;
        $problem = null;
        while (true) {
            $left = $until - Deadline::now();
            if ($left <= 0) {
                $why = $problem === null ? '' : ": {$problem}";
                throw new ConnectionException("no answer from {$this->baseUrl} before the deadline{$why}");
            }
            [$path, $limit] = $request($left);
            try {
                $response = $this->http->send($method, $path, $body, min($limit, $left));
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
            $pause = min(Backoff::delay($failures), $since + $this->reconnectTimeout - $now, $until - $now);
            usleep((int) (max($pause, 0.0) * 1e6));
        }
    }

    private function command(HttpResponse $response): CommandView
    {
        $this->check($response);
        return CommandView::parse($response->body);
    }

    /** @throws AuthenticationException|ProtocolException unless the response is a success */
    private function check(HttpResponse $response): void
    {
        if ($response->ok()) {
            return;
        }
        if ($response->status === 401 || $response->status === 403) {
            throw new AuthenticationException(
                "the server refused the token ({$response->describe()})",
                $response->status,
            );
        }
        throw new ProtocolException(
            "the server refused the request ({$response->describe()})",
            $response->error()?->code,
            $response->status,
        );
    }

    /** A request's limit: the request timeout, or less when `$until` comes first. */
    private function within(float $until): float
    {
        return max(min($this->requestTimeout, $until - Deadline::now()), 0.0);
    }

    private static function seconds(float $value): string
    {
        return rtrim(rtrim(sprintf('%.3F', max($value, 0.0)), '0'), '.');
    }
}
