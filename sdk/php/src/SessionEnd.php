<?php

declare(strict_types=1);

namespace Expacti;

/**
 * The body of `POST /api/v1/sessions/end`: the session_end frame's fields without `type`.
 * The status is required: a session must not end as completed because a caller forgot
 * to say it failed.
 *
 * @internal
 */
final class SessionEnd
{
    public const STATUSES = ['completed', 'failed'];

    /** @throws \InvalidArgumentException */
    public static function body(mixed $sessionId, mixed $status): string
    {
        if (
            !is_string($sessionId) || $sessionId === '' || !mb_check_encoding($sessionId, 'UTF-8')
            || mb_strlen($sessionId, 'UTF-8') > Submission::MAX_SESSION_ID_CHARS
        ) {
            throw new \InvalidArgumentException(
                'session_id must be a string of 1-' . Submission::MAX_SESSION_ID_CHARS . ' characters',
            );
        }
        if (!in_array($status, self::STATUSES, true)) {
            throw new \InvalidArgumentException('status must be "completed" or "failed"');
        }
        return json_encode(
            ['session_id' => $sessionId, 'status' => $status],
            JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR,
        );
    }
}
