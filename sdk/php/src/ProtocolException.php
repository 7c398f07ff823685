<?php

declare(strict_types=1);

namespace Expacti;

/**
 * The server refused the request with an error body (getErrorCode(): `request_id_conflict`,
 * `too_many_pending`, `not_found`…), or answered something the SDK cannot trust
 * (getErrorCode() null): a decision that contradicts itself, a duplicate JSON key, a
 * missing field. Never an approval.
 */
final class ProtocolException extends ExpactiException
{
    public function __construct(
        string $message,
        private readonly ?string $errorCode = null,
        private readonly ?int $statusCode = null,
    ) {
        parent::__construct($message);
    }

    /** The error body's `code`, or null when the response itself was invalid. */
    public function getErrorCode(): ?string
    {
        return $this->errorCode;
    }

    /**
     * The HTTP status of a refusal (409, 422, a proxy's 404, a redirect's 307…); null when
     * a successful answer could not be trusted.
     */
    public function getStatusCode(): ?int
    {
        return $this->statusCode;
    }
}
