<?php

declare(strict_types=1);

namespace Expacti;

/**
 * The body of every non-2xx response, `{"error": {"code", "message", "details"}}`: the
 * HTTP binding's `error` frame.
 *
 * @internal
 */
final class ErrorBody
{
    /** @param array<string, mixed> $details */
    private function __construct(
        public readonly string $code,
        public readonly string $message,
        public readonly array $details,
    ) {
    }

    /** @throws ProtocolException */
    public static function parse(mixed $value): self
    {
        $error = Fields::of($value, 'error body')->optObject('error');
        $fields = Fields::of($error, 'error body');
        $details = $fields->optObject('details');
        return new self(
            code: $fields->text('code'),
            message: $fields->optText('message') ?? '',
            details: $details === null ? [] : (array) json_decode((string) json_encode($details), true),
        );
    }
}
