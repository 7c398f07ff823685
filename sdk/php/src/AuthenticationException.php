<?php

declare(strict_types=1);

namespace Expacti;

/** The server refused the token (HTTP 401 unknown or revoked, 403 not an agent token); never retried. */
final class AuthenticationException extends ConnectionException
{
    public function __construct(string $message, private readonly int $statusCode)
    {
        parent::__construct($message, $statusCode);
    }

    /** The HTTP status: 401 or 403. */
    public function getStatusCode(): int
    {
        return $this->statusCode;
    }
}
