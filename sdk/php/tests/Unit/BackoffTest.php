<?php

declare(strict_types=1);

namespace Expacti\Tests\Unit;

use Expacti\Backoff;
use PHPUnit\Framework\TestCase;

final class BackoffTest extends TestCase
{
    public function testDoublesFromATenthOfASecondUpToTheCap(): void
    {
        $top = static fn (): float => 1.0;
        $ceilings = array_map(static fn (int $n): float => Backoff::delay($n, 5.0, $top), range(1, 8));
        self::assertEqualsWithDelta([0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0], $ceilings, 1e-9);
    }

    public function testFullJitter(): void
    {
        self::assertSame(0.0, Backoff::delay(3, 5.0, static fn (): float => 0.0));
        self::assertEqualsWithDelta(0.2, Backoff::delay(3, 5.0, static fn (): float => 0.5), 1e-9);
        $pick = Backoff::delay(4);
        self::assertGreaterThanOrEqual(0.0, $pick);
        self::assertLessThan(0.8, $pick);
    }

    public function testNoFailuresNoWait(): void
    {
        self::assertSame(0.0, Backoff::delay(0));
    }

    public function testALongOutageDoesNotOverflow(): void
    {
        self::assertSame(5.0, Backoff::delay(10_000, 5.0, static fn (): float => 1.0));
    }
}
