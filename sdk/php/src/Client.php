<?php

declare(strict_types=1);

namespace Expacti;

/**
 * Asks an expacti server for approval before a command runs, over the HTTP binding:
 * `POST /api/v1/commands`, then long-polls `GET /api/v1/commands/{id}?wait=S` until a
 * human decided.
 *
 *     $client = new Expacti\Client(url: 'http://localhost:3001', token: 'demo-shell-token');
 *     $decision = $client->run('terraform apply', target: 'prod');
 *     passthru($decision->command); // a reviewer may have edited it
 *
 * Standard library only (PHP's http:// stream wrapper). A client holds no connection
 * between calls; one run() blocks until its decision. The token never shows in
 * var_dump(), var_export(), print_r() or traces, and a client cannot be serialized.
 */
final class Client
{
    public const VERSION = '0.1.0';

    private readonly CommandApi $api;

    /**
     * @param string $url `http(s)://host[:port]`, or the agent WebSocket URL
     *                    `ws(s)://host[:port]/shell/ws` (mapped to http(s)://host[:port])
     * @param string $token the agent token; sent only as `Authorization: Bearer`
     * @param float $reconnectTimeout seconds to keep retrying while the server is unreachable
     * @param float $requestTimeout seconds one request may take in all, beyond a long-poll's
     *                              wait (and never past a run's deadline)
     *
     * @throws \InvalidArgumentException
     */
    public function __construct(
        string $url,
        #[\SensitiveParameter] string $token,
        float $reconnectTimeout = 60.0,
        float $requestTimeout = 10.0,
    ) {
        $baseUrl = Endpoint::baseUrl($url);
        if (preg_match('/^[\x21-\x7e]+$/D', $token) !== 1) {
            throw new \InvalidArgumentException('token must be non-empty printable ASCII without spaces');
        }
        foreach (['reconnectTimeout' => $reconnectTimeout, 'requestTimeout' => $requestTimeout] as $name => $value) {
            if (!is_finite($value) || $value <= 0) {
                throw new \InvalidArgumentException("{$name} must be a number of seconds > 0");
            }
        }
        $this->api = new CommandApi(new HttpTransport($baseUrl, $token), $baseUrl, $reconnectTimeout, $requestTimeout);
    }

    /**
     * Submit `$command` for approval and wait for the decision.
     *
     * Returns the Decision only when approved; run `$decision->command`, not `$command`: a
     * reviewer may have edited it (`$decision->edited`).
     *
     * @param string|null $target the host, cluster or environment (at most 255 characters)
     * @param int|null $timeout seconds a human has to decide, 1-600 (the organisation's
     *                          timeout applies when shorter)
     * @param array<string, mixed>|null $context free-form JSON object shown to reviewers
     * @param array{id: string, goal?: string|null, steps?: list<string>|null, current_step?: int|null}|null $session
     *                          what the agent is working on
     *
     * @throws \InvalidArgumentException before anything is sent, for a bad argument
     * @throws CommandDeniedException denied by a reviewer, or cancelled
     * @throws CommandTimeoutException no decision in time
     * @throws AuthenticationException the token was refused
     * @throws ConnectionException the server was unreachable for the reconnect window
     * @throws ProtocolException the server refused the request or answered nonsense
     */
    public function run(
        string $command,
        ?string $target = null,
        ?int $timeout = null,
        ?array $context = null,
        ?array $session = null,
    ): Decision {
        $requestId = bin2hex(random_bytes(16));
        $body = Submission::body($requestId, $command, $target, $timeout, $session, $context);
        return (new PendingCommand($this->api, $requestId, $command, $body, $timeout))->decide();
    }

    /**
     * Mark the agent's session `$sessionId` (the `id` of the runs' `session`) as ended:
     * `completed` or `failed`. Ending it again with the same status changes nothing.
     *
     * @throws \InvalidArgumentException before anything is sent: a status other than
     *                                   "completed" or "failed", or a bad session id
     * @throws AuthenticationException the token was refused
     * @throws ConnectionException the server was unreachable for the reconnect window
     * @throws ProtocolException the server refused it (`not_found`: no such session)
     */
    public function endSession(string $sessionId, string $status): void
    {
        $this->api->endSession(SessionEnd::body($sessionId, $status));
    }

    /** Keeps the token out of var_dump() and print_r(). */
    public function __debugInfo(): array
    {
        return [];
    }

    /** @throws \LogicException always: a serialized client would write its token out */
    public function __serialize(): array
    {
        throw new \LogicException('an Expacti\\Client holds a token and cannot be serialized');
    }

    /** @throws \LogicException always */
    public function __unserialize(array $data): void
    {
        throw new \LogicException('an Expacti\\Client cannot be unserialized');
    }
}
