<?php

declare(strict_types=1);

namespace Expacti;

/**
 * What the HTTP binding answers a submit, a long-poll or a cancel with: a `Command`
 * (docs/openapi.yml), reduced to what the SDK acts on and checked for consistency:
 * a decided status carries the decision of exactly that state and command, a pending one
 * none.
 *
 * @internal
 */
final class CommandView
{
    private const STATUSES = ['pending', 'approved', 'denied', 'timed_out', 'cancelled'];

    private function __construct(
        public readonly string $id,
        public readonly string $status,
        public readonly ?WireDecision $decision,
        /** Unix seconds, the server's clock. */
        public readonly float $createdAt,
        public readonly float $expiresAt,
        public readonly ?float $escalatedAt,
    ) {
    }

    /** @throws ProtocolException */
    public static function parse(string $json): self
    {
        $fields = Fields::of(StrictJson::decode($json), 'Command');
        $id = $fields->text('id');
        $status = $fields->text('status');
        if (!in_array($status, self::STATUSES, true)) {
            throw $fields->invalid('status: unknown status ' . json_encode($status));
        }
        $object = $fields->optObject('decision');
        $decision = $object === null ? null : WireDecision::parse($object);
        if (($status === 'pending') !== ($decision === null)) {
            throw $fields->invalid("status is {$status} but decision is " . ($decision === null ? 'null' : 'set'));
        }
        if ($decision !== null && $decision->decision !== $status) {
            throw $fields->invalid("status is {$status} but decision is {$decision->decision}");
        }
        if ($decision !== null && $decision->commandId !== $id) {
            throw $fields->invalid("the decision names command {$decision->commandId}, not {$id}");
        }
        return new self(
            id: $id,
            status: $status,
            decision: $decision,
            createdAt: $fields->timestamp('created_at'),
            expiresAt: $fields->timestamp('expires_at'),
            escalatedAt: $fields->optTimestamp('escalated_at'),
        );
    }
}
