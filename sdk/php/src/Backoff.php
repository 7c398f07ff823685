<?php

declare(strict_types=1);

namespace Expacti;

/**
 * Retry delays: exponential backoff with full jitter.
 *
 * @internal
 */
final class Backoff
{
    public const INITIAL = 0.1;
    public const CAP = 5.0;

    /**
     * Seconds to wait after `$failures` consecutive failures: a uniform pick in
     * [0, min(cap, initial * 2^(failures - 1))), so many clients that lost the same server
     * do not all come back at the same instant. No failures yet means no wait.
     *
     * @param (callable(): float)|null $random a uniform pick in [0, 1)
     */
    public static function delay(int $failures, float $cap = self::CAP, ?callable $random = null): float
    {
        if ($failures <= 0) {
            return 0.0;
        }
        // The exponent is clamped so a long outage cannot overflow.
        $ceiling = min($cap, self::INITIAL * 2 ** min($failures - 1, 62));
        $pick = $random === null ? mt_rand() / (mt_getrandmax() + 1) : $random();
        return $pick * $ceiling;
    }
}
