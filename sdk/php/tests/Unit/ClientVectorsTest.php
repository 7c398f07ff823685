<?php

declare(strict_types=1);

namespace Expacti\Tests\Unit;

use Expacti\SessionEnd;
use Expacti\Submission;
use Expacti\Tests\Support\Vectors;
use PHPUnit\Framework\TestCase;

/**
 * protocol/vectors/client_frames.json against the submit body builder.
 *
 * Over HTTP the body of `POST /api/v1/commands` is the submit frame without `type`, and
 * that of `POST /api/v1/sessions/end` the session_end frame without it. For every case the
 * server accepts, or refuses for a reason of its own state, the builder makes exactly that
 * body; every case it refuses for a reason visible in the frame is refused here first
 * (\InvalidArgumentException, before sending).
 */
final class ClientVectorsTest extends TestCase
{
    /** Server errors that depend on what it stored, not on the frame: the frame is fine. */
    private const STATEFUL = ['not_found', 'request_id_conflict'];

    private const RAW = 'raw text: the SDK only sends JSON it encoded itself';
    private const CANCEL = 'the HTTP binding cancels by command id in the path (POST /api/v1/commands/{id}/cancel), '
        . 'these name a request_id';
    private const NEVER_SENT = 'a frame type the SDK never sends: over HTTP it only submits, cancels and ends sessions';
    private const ENCRYPTED = 'end-to-end encrypted: this SDK does not encrypt';

    /** The fields the builders take, by frame type; anything else is an unknown field. */
    private const FIELDS = [
        'submit' => ['request_id', 'command', 'target', 'timeout_seconds', 'session', 'context'],
        'session_end' => ['session_id', 'status'],
    ];

    /** @param array<string, mixed> $case */
    public static function outOfReach(array $case): ?string
    {
        if (array_key_exists('raw', $case)) {
            return self::RAW;
        }
        $type = $case['frame']['type'] ?? null;
        if ($type === 'cancel') {
            return self::CANCEL;
        }
        if (!isset(self::FIELDS[$type])) {
            return self::NEVER_SENT;
        }
        return array_key_exists('encrypted', $case['frame']) ? self::ENCRYPTED : null;
    }

    public function testEveryVectorIsReplayedOrAccountedFor(): void
    {
        $byReason = [];
        foreach (Vectors::clientCases() as $case) {
            $byReason[self::outOfReach($case) ?? 'replayed'][] = $case['name'];
        }
        $encrypted = array_filter(Vectors::clientCases(), static fn (array $case): bool => isset($case['frame']['encrypted']));
        self::assertSame(array_column($encrypted, 'name'), $byReason[self::ENCRYPTED]);
        self::assertSame(['malformed-json', 'json-not-an-object', 'json-string'], $byReason[self::RAW]);
        self::assertSame(['cancel-unknown', 'cancel-without-id', 'cancel-known'], $byReason[self::CANCEL]);
        foreach ($byReason[self::NEVER_SENT] as $name) {
            self::assertMatchesRegularExpression('/^(ping|missing-type|unknown-type|type-not|exec-)/', $name);
        }
        $sessionEnds = array_filter($byReason['replayed'], static fn (string $name): bool => str_starts_with($name, 'session-end-'));
        self::assertCount(8, $sessionEnds);
        self::assertCount(34, $byReason['replayed']);
        self::assertSame(count(Vectors::clientCases()), array_sum(array_map('count', $byReason)));
    }

    /** @return iterable<string, array{array<string, mixed>}> */
    public static function reachable(): iterable
    {
        foreach (Vectors::clientCases() as $case) {
            if (self::outOfReach($case) === null) {
                yield $case['name'] => [$case];
            }
        }
    }

    /**
     * @dataProvider reachable
     * @param array<string, mixed> $case
     */
    public function testClientVector(array $case): void
    {
        $frame = Vectors::expanded($case);
        $error = $case['expect']['error'] ?? null;
        if ($error === null || in_array($error, self::STATEFUL, true)) {
            self::assertSame(self::known($frame), json_decode(self::build($frame), true, 512, JSON_THROW_ON_ERROR));
            return;
        }
        // invalid_frame, command_too_large, payload_too_large: refused before sending.
        $this->expectException(\InvalidArgumentException::class);
        if ($error === 'command_too_large') {
            $this->expectExceptionMessageMatches('/^command is \d+ bytes; the server takes at most 65536$/');
        }
        if ($error === 'payload_too_large') {
            $this->expectExceptionMessageMatches('/^session and context are \d+ bytes of JSON; the server takes at most 16384$/');
        }
        self::build($frame);
    }

    public function testTheBodyIsCompactWithoutTheOptionalFieldsNotGiven(): void
    {
        self::assertSame('{"request_id":"r-1","command":"ls -la /tmp"}', Submission::body('r-1', 'ls -la /tmp'));
    }

    /** @param array<string, mixed> $frame */
    private static function build(array $frame): string
    {
        if ($frame['type'] === 'session_end') {
            return SessionEnd::body($frame['session_id'] ?? null, $frame['status'] ?? null);
        }
        return Submission::body(
            $frame['request_id'] ?? null,
            $frame['command'] ?? null,
            $frame['target'] ?? null,
            $frame['timeout_seconds'] ?? null,
            $frame['session'] ?? null,
            $frame['context'] ?? null,
        );
    }

    /**
     * The body the SDK sends for a frame: no `type`, no unknown fields, no nulls.
     *
     * @param array<string, mixed> $frame
     * @return array<string, mixed>
     */
    private static function known(array $frame): array
    {
        return array_filter(
            $frame,
            static fn (mixed $value, string $key): bool => $value !== null && in_array($key, self::FIELDS[$frame['type']], true),
            ARRAY_FILTER_USE_BOTH,
        );
    }
}
