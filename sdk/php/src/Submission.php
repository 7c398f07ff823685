<?php

declare(strict_types=1);

namespace Expacti;

/**
 * The body of `POST /api/v1/commands`: the submit frame's fields without `type`.
 *
 * Everything the server would refuse for a reason visible in the request
 * (`invalid_request`, `command_too_large`, `payload_too_large`) is an
 * \InvalidArgumentException here instead, before anything is sent. Arguments are `mixed`
 * because the conformance vectors feed this builder values of every JSON type.
 *
 * @internal
 */
final class Submission
{
    /** The protocol's limits; the HTTP binding has no `hello` to announce others. */
    public const MAX_COMMAND_BYTES = 65536;
    public const MAX_METADATA_BYTES = 16384;
    public const MAX_TIMEOUT_SECONDS = 600;
    public const MAX_TARGET_CHARS = 255;
    public const MAX_SESSION_ID_CHARS = 128;
    private const REQUEST_ID = '/^[A-Za-z0-9._:-]{1,128}$/D';
    private const FLAGS = JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION | JSON_THROW_ON_ERROR;

    /** @throws \InvalidArgumentException */
    public static function body(
        mixed $requestId,
        mixed $command,
        mixed $target = null,
        mixed $timeout = null,
        mixed $session = null,
        mixed $context = null,
    ): string {
        if (!is_string($requestId) || preg_match(self::REQUEST_ID, $requestId) !== 1) {
            throw new \InvalidArgumentException('request_id must be 1-128 characters of A-Z a-z 0-9 . _ : -');
        }
        self::checkCommand($command);
        $body = ['request_id' => $requestId, 'command' => $command];
        if ($target !== null) {
            $body['target'] = self::checkTarget($target);
        }
        if ($timeout !== null) {
            $body['timeout_seconds'] = self::checkTimeout($timeout);
        }
        if ($session !== null) {
            $body['session'] = self::checkSession($session);
        }
        if ($context !== null) {
            $body['context'] = self::checkContext($context);
        }
        if ($session !== null || $context !== null) {
            self::checkMetadataSize($body['session'] ?? null, $body['context'] ?? null);
        }
        return json_encode($body, self::FLAGS | JSON_UNESCAPED_UNICODE);
    }

    private static function checkCommand(mixed $command): void
    {
        if (!is_string($command)) {
            throw new \InvalidArgumentException('command must be a string');
        }
        if (!mb_check_encoding($command, 'UTF-8')) {
            throw new \InvalidArgumentException('command must be valid UTF-8');
        }
        $size = strlen($command);
        if ($size > self::MAX_COMMAND_BYTES) {
            throw new \InvalidArgumentException(
                "command is {$size} bytes; the server takes at most " . self::MAX_COMMAND_BYTES,
            );
        }
        if (Fields::blank($command)) {
            throw new \InvalidArgumentException('command must not be blank');
        }
        if (str_contains($command, "\0")) {
            throw new \InvalidArgumentException('command must not contain NUL characters');
        }
    }

    private static function checkTarget(mixed $target): string
    {
        if (!is_string($target) || !mb_check_encoding($target, 'UTF-8')) {
            throw new \InvalidArgumentException('target must be a UTF-8 string');
        }
        if (mb_strlen($target, 'UTF-8') > self::MAX_TARGET_CHARS) {
            throw new \InvalidArgumentException('target must be at most ' . self::MAX_TARGET_CHARS . ' characters');
        }
        return $target;
    }

    private static function checkTimeout(mixed $timeout): int
    {
        if (!is_int($timeout) || $timeout < 1 || $timeout > self::MAX_TIMEOUT_SECONDS) {
            throw new \InvalidArgumentException(
                'timeout must be an integer number of seconds from 1 to ' . self::MAX_TIMEOUT_SECONDS,
            );
        }
        return $timeout;
    }

    /** @return array<string, mixed> */
    private static function checkSession(mixed $session): array
    {
        if (!is_array($session) || ($session !== [] && array_is_list($session))) {
            throw new \InvalidArgumentException('session must be an array with the keys id, goal, steps, current_step');
        }
        $id = $session['id'] ?? null;
        if (!is_string($id) || $id === '' || mb_strlen($id, 'UTF-8') > self::MAX_SESSION_ID_CHARS) {
            throw new \InvalidArgumentException(
                'session id must be a string of 1-' . self::MAX_SESSION_ID_CHARS . ' characters',
            );
        }
        $goal = $session['goal'] ?? null;
        if ($goal !== null && !is_string($goal)) {
            throw new \InvalidArgumentException('session goal must be a string');
        }
        $steps = $session['steps'] ?? null;
        if ($steps !== null && !(is_array($steps) && array_is_list($steps) && self::allStrings($steps))) {
            throw new \InvalidArgumentException('session steps must be a list of strings');
        }
        $current = $session['current_step'] ?? null;
        if ($current !== null && !is_int($current)) {
            throw new \InvalidArgumentException('session current_step must be an integer');
        }
        return $session;
    }

    /** A JSON object: an associative array, where [] means {}. */
    private static function checkContext(mixed $context): array|\stdClass
    {
        if (!is_array($context) || ($context !== [] && array_is_list($context))) {
            throw new \InvalidArgumentException('context must be a JSON object (an associative array)');
        }
        return $context === [] ? new \stdClass() : $context;
    }

    /**
     * Measured as the server measures it: compact JSON of [session, context] with every
     * non-ASCII character escaped (`\uXXXX`, six bytes) and slashes not escaped.
     */
    private static function checkMetadataSize(mixed $session, mixed $context): void
    {
        try {
            $size = strlen(json_encode([$session, $context], self::FLAGS));
        } catch (\JsonException $error) {
            throw new \InvalidArgumentException(
                'session and context must be encodable as JSON: ' . $error->getMessage(),
            );
        }
        if ($size > self::MAX_METADATA_BYTES) {
            throw new \InvalidArgumentException(
                "session and context are {$size} bytes of JSON; the server takes at most " . self::MAX_METADATA_BYTES,
            );
        }
    }

    /** @param list<mixed> $items */
    private static function allStrings(array $items): bool
    {
        foreach ($items as $item) {
            if (!is_string($item)) {
                return false;
            }
        }
        return true;
    }
}
