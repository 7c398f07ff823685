<?php

declare(strict_types=1);

namespace Expacti;

/**
 * One complete HTTP response.
 *
 * @internal
 */
final class HttpResponse
{
    /** Statuses of a server that is restarting or behind a proxy that lost it: retried. */
    private const RETRYABLE = [502, 503, 504];

    public function __construct(public readonly int $status, public readonly string $body)
    {
    }

    public function ok(): bool
    {
        return $this->status >= 200 && $this->status < 300;
    }

    public function retryable(): bool
    {
        return in_array($this->status, self::RETRYABLE, true);
    }

    /** The error body, or null when the body is not one (a proxy's HTML page). */
    public function error(): ?ErrorBody
    {
        try {
            return ErrorBody::parse(StrictJson::decode($this->body));
        } catch (ProtocolException) {
            return null;
        }
    }

    /** "HTTP 503 unavailable: the database is down", for messages. */
    public function describe(): string
    {
        $error = $this->error();
        if ($error === null) {
            return "HTTP {$this->status}";
        }
        $message = $error->message !== '' ? ": {$error->message}" : '';
        return "HTTP {$this->status} {$error->code}{$message}";
    }
}
