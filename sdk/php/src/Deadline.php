<?php

declare(strict_types=1);

namespace Expacti;

/**
 * How long one run() waits, on the monotonic clock (seconds, Deadline::now()).
 *
 * The budget is the run's own timeout, else the organisation's timeout as the server's
 * Command shows it (`expires_at` - `created_at`, two server timestamps, so the client's
 * clock cannot shorten it), else the protocol's maximum; plus a grace for network slack,
 * so that the server's own `timed_out` normally arrives first. An escalation that moves
 * `expires_at` later extends a run without its own timeout by as much.
 *
 * @internal
 */
final class Deadline
{
    public const GRACE_SECONDS = 5.0;

    private ?float $policy = null;
    private float $extension = 0.0;
    private ?float $expiresAt = null;

    public function __construct(private readonly float $start, private readonly ?int $timeout)
    {
    }

    /** Seconds on the monotonic clock. */
    public static function now(): float
    {
        return hrtime(true) / 1e9;
    }

    /** Learn from a Command the server sent: its timestamps, in Unix seconds. */
    public function observe(float $createdAt, float $expiresAt, bool $escalated): void
    {
        $previous = $this->expiresAt;
        $this->expiresAt = $expiresAt;
        if ($this->timeout !== null) {
            return;
        }
        if ($this->policy === null) {
            $policy = $expiresAt - $createdAt;
            if ($policy > 0) {
                $this->policy = min($policy, (float) Submission::MAX_TIMEOUT_SECONDS);
            }
        }
        if ($escalated && $previous !== null && $expiresAt > $previous) {
            $this->extension = min($this->extension + $expiresAt - $previous, (float) Submission::MAX_TIMEOUT_SECONDS);
        }
    }

    /** Seconds a human has to decide, as far as the client knows. */
    public function budget(): float
    {
        return (float) ($this->timeout ?? $this->policy ?? Submission::MAX_TIMEOUT_SECONDS);
    }

    /** When the client stops waiting, on the monotonic clock. */
    public function at(): float
    {
        return $this->start + $this->budget() + $this->extension + self::GRACE_SECONDS;
    }
}
