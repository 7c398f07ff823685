<?php

declare(strict_types=1);

namespace Expacti\Tests\Unit;

use Expacti\CommandView;
use Expacti\ErrorBody;
use Expacti\ProtocolException;
use Expacti\StrictJson;
use Expacti\Tests\Support\Vectors;
use Expacti\WireDecision;
use PHPUnit\Framework\TestCase;

/**
 * protocol/vectors/server_frames.json as the HTTP binding carries it.
 *
 * A decision arrives as the `decision` object of a Command (the frame's fields without
 * `type`) and an error as the body of a non-2xx response, `{"error": {...}}`; both are
 * replayed through the same parsing as a real response. Every other frame type never
 * reaches an HTTP client and is accounted for below, with the reason.
 */
final class ServerVectorsTest extends TestCase
{
    /** Frame types the HTTP binding never carries. */
    private const NOT_CARRIED = [
        'hello' => 'no handshake over HTTP: the limits are the protocol defaults, the timeout policy comes from the Command',
        'accepted' => 'a submit is answered with a Command (201 created, 200 resumed), not an accepted frame',
        'progress' => 'a long-poll returns the Command (expires_at, escalated_at), never a progress frame',
        'pong' => 'there is no ping over HTTP',
        'exec_ack' => 'this SDK does not execute commands; execution frames are WebSocket only',
    ];
    private const UNTYPED = 'HTTP bodies carry no type: the route says what a body is';

    public static function reason(\stdClass $frame): ?string
    {
        $type = $frame->type ?? null;
        if ($type === 'decision' || $type === 'error') {
            return null;
        }
        return is_string($type) && isset(self::NOT_CARRIED[$type]) ? self::NOT_CARRIED[$type] : self::UNTYPED;
    }

    public function testEveryVectorIsReplayedOrAccountedFor(): void
    {
        $outOfReach = [];
        $replayed = 0;
        foreach (Vectors::serverCases() as $case) {
            $reason = self::reason($case['frame']);
            if ($reason === null) {
                $replayed += 1;
            } else {
                $outOfReach[$case['name']] = $reason;
            }
        }
        self::assertSame([
            'hello' => self::NOT_CARRIED['hello'],
            'accepted' => self::NOT_CARRIED['accepted'],
            'pong' => self::NOT_CARRIED['pong'],
            'accepted-missing-command-id' => self::NOT_CARRIED['accepted'],
            'unknown-type' => self::UNTYPED,
            'missing-type' => self::UNTYPED,
            'progress' => self::NOT_CARRIED['progress'],
            'progress-escalated' => self::NOT_CARRIED['progress'],
            'progress-with-unknown-fields' => self::NOT_CARRIED['progress'],
            'progress-approvals-not-an-integer' => self::NOT_CARRIED['progress'],
            'progress-approvals-negative' => self::NOT_CARRIED['progress'],
            'progress-required-zero' => self::NOT_CARRIED['progress'],
            'progress-approvers-not-strings' => self::NOT_CARRIED['progress'],
            'progress-escalated-not-a-boolean' => self::NOT_CARRIED['progress'],
            'progress-missing-expires-at' => self::NOT_CARRIED['progress'],
            'progress-expires-at-without-zone' => self::NOT_CARRIED['progress'],
            'progress-missing-command-id' => self::NOT_CARRIED['progress'],
            'exec-ack' => self::NOT_CARRIED['exec_ack'],
            'exec-ack-after-start' => self::NOT_CARRIED['exec_ack'],
            'exec-ack-missing-recording-id' => self::NOT_CARRIED['exec_ack'],
            'exec-ack-seq-not-an-integer' => self::NOT_CARRIED['exec_ack'],
            'exec-ack-capture-input-not-a-boolean' => self::NOT_CARRIED['exec_ack'],
        ], $outOfReach);
        self::assertSame(24, $replayed);
    }

    /** @return iterable<string, array{\stdClass, array<string, mixed>}> */
    public static function carried(): iterable
    {
        foreach (Vectors::serverCases() as $case) {
            if (self::reason($case['frame']) === null) {
                yield $case['name'] => [$case['frame'], $case['expect']];
            }
        }
    }

    /**
     * @dataProvider carried
     * @param array<string, mixed> $expect
     */
    public function testCarriedVector(\stdClass $frame, array $expect): void
    {
        $body = Vectors::withoutType($frame);
        if (!$expect['valid']) {
            $error = $this->rejected(fn () => $this->parse($frame->type, $body));
            self::assertNull($error->getErrorCode(), 'an invalid body, not an error body');
            return;
        }
        $parsed = $this->parse($frame->type, $body);
        if ($parsed instanceof WireDecision) {
            self::assertSame($frame->decision, $parsed->decision);
            if (array_key_exists('approved', $expect)) {
                self::assertSame($expect['approved'], $parsed->approved);
            }
        } else {
            self::assertSame($frame->code, $parsed->code);
        }
    }

    public function testADecisionReachesTheCallerUnchangedInCamelCase(): void
    {
        $wire = Vectors::serverFrame('decision-denied');
        $decision = WireDecision::parse(Vectors::withoutType($wire))->toDecision('rm -rf /tmp/x');
        self::assertSame([
            'approved' => $wire->approved,
            'decision' => $wire->decision,
            'commandId' => $wire->command_id,
            'command' => 'rm -rf /tmp/x',
            'edited' => false,
            'originalCommand' => 'rm -rf /tmp/x',
            'reviewer' => $wire->reviewer,
            'notes' => $wire->notes,
            'whitelisted' => $wire->whitelisted,
            'ruleId' => $wire->rule_id,
            'riskScore' => $wire->risk_score,
            'anomalies' => $wire->anomalies,
            'approvers' => [],
            'latencyMs' => (float) $wire->latency_ms,
            'requestId' => $wire->request_id,
        ], get_object_vars($decision));
    }

    public function testAnEditIsTheCommandToRunAndKeepsTheOriginal(): void
    {
        $wire = WireDecision::parse(Vectors::withoutType(Vectors::serverFrame('decision-edited')));
        $decision = $wire->toDecision('terraform apply');
        self::assertSame(
            ['terraform apply -target=module.web', 'terraform apply', true, ['alice']],
            [$decision->command, $decision->originalCommand, $decision->edited, $decision->approvers],
        );
    }

    public function testWithoutAnEditTheCallersOwnTextRuns(): void
    {
        // The server's copy may be a label (an encrypted command): it counts only after an edit.
        $wire = WireDecision::parse(Vectors::withoutType(Vectors::serverFrame('decision-multi-party')));
        $decision = $wire->toDecision("psql -c 'select 1'");
        self::assertSame(["psql -c 'select 1'", ['alice', 'bob']], [$decision->command, $decision->approvers]);
    }

    /** The vector's body through the real path: JSON text, strict decoding, the parser. */
    private function parse(string $type, \stdClass $body): WireDecision|ErrorBody
    {
        if ($type === 'error') {
            return ErrorBody::parse(StrictJson::decode(json_encode(['error' => $body])));
        }
        $command = CommandView::parse(json_encode([
            'id' => is_string($body->command_id ?? null) ? $body->command_id : 'cmd_0',
            'status' => in_array($body->decision ?? null, WireDecision::STATES, true) ? $body->decision : 'approved',
            'decision' => $body,
            'created_at' => '2026-11-21T10:00:00.000000Z',
            'expires_at' => '2026-11-21T10:01:00.000000Z',
        ]));
        self::assertNotNull($command->decision);
        return $command->decision;
    }

    private function rejected(callable $parse): ProtocolException
    {
        try {
            $parse();
        } catch (ProtocolException $error) {
            return $error;
        }
        self::fail('accepted an invalid body');
    }
}
