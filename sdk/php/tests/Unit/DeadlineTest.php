<?php

declare(strict_types=1);

namespace Expacti\Tests\Unit;

use Expacti\Deadline;
use PHPUnit\Framework\TestCase;

final class DeadlineTest extends TestCase
{
    private const CREATED = 1_800_000_000.0;

    public function testTheRunsOwnTimeoutPlusGrace(): void
    {
        $deadline = new Deadline(100.0, 30);
        self::assertSame(135.0, $deadline->at());
        // The server's timestamps never change a run's own bound.
        $deadline->observe(self::CREATED, self::CREATED + 20, false);
        $deadline->observe(self::CREATED, self::CREATED + 400, true);
        self::assertSame(135.0, $deadline->at());
    }

    public function testWithoutATimeoutTheProtocolMaximumUntilTheServerSaysMore(): void
    {
        self::assertSame(705.0, (new Deadline(100.0, null))->at());
    }

    public function testTheOrganisationsTimeoutFromTheCommandsTimestamps(): void
    {
        $deadline = new Deadline(100.0, null);
        $deadline->observe(self::CREATED, self::CREATED + 60.5, false);
        self::assertSame(60.5, $deadline->budget());
        self::assertSame(165.5, $deadline->at());
        // Learnt once: a resumed command's later polls do not move it.
        $deadline->observe(self::CREATED, self::CREATED + 60.5, false);
        self::assertSame(165.5, $deadline->at());
    }

    public function testAnEscalationExtendsByAsMuchAsExpiresAtMoved(): void
    {
        $deadline = new Deadline(100.0, null);
        $deadline->observe(self::CREATED, self::CREATED + 60, false);
        $deadline->observe(self::CREATED, self::CREATED + 60, true);
        self::assertSame(165.0, $deadline->at());
        $deadline->observe(self::CREATED, self::CREATED + 180, true);
        self::assertSame(285.0, $deadline->at());
        $deadline->observe(self::CREATED, self::CREATED + 180, true);
        self::assertSame(285.0, $deadline->at());
    }

    public function testAMoveWithoutEscalationDoesNotExtend(): void
    {
        $deadline = new Deadline(100.0, null);
        $deadline->observe(self::CREATED, self::CREATED + 60, false);
        $deadline->observe(self::CREATED, self::CREATED + 90, false);
        self::assertSame(165.0, $deadline->at());
    }

    public function testExtensionsAreBounded(): void
    {
        $deadline = new Deadline(0.0, null);
        $deadline->observe(self::CREATED, self::CREATED + 600, false);
        $deadline->observe(self::CREATED, self::CREATED + 100_000, true);
        self::assertSame(1205.0, $deadline->at());
    }

    public function testAPolicyBeyondTheMaximumOrNotPositiveIsNotTrusted(): void
    {
        $long = new Deadline(0.0, null);
        $long->observe(self::CREATED, self::CREATED + 5000, false);
        self::assertSame(600.0, $long->budget());
        $backwards = new Deadline(0.0, null);
        $backwards->observe(self::CREATED, self::CREATED - 1, false);
        self::assertSame(600.0, $backwards->budget());
    }

    public function testTheClockIsMonotonicSeconds(): void
    {
        $before = Deadline::now();
        self::assertGreaterThanOrEqual($before, Deadline::now());
    }
}
