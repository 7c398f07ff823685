<?php

declare(strict_types=1);

namespace Expacti;

/**
 * The decision object of a Command (the `decision` frame's fields, without `type`),
 * validated: `approved` agrees with `decision`, and an edit names a non-blank command.
 *
 * `command` is the server's copy (null from servers that predate it); it only counts when
 * `edited` is true.
 *
 * @internal
 */
final class WireDecision
{
    public const STATES = ['approved', 'denied', 'timed_out', 'cancelled'];

    /**
     * @param list<string> $anomalies
     * @param list<string> $approvers
     */
    private function __construct(
        public readonly string $requestId,
        public readonly string $commandId,
        public readonly bool $approved,
        public readonly string $decision,
        public readonly float $latencyMs,
        public readonly ?string $reviewer,
        public readonly ?string $notes,
        public readonly bool $whitelisted,
        public readonly ?string $ruleId,
        public readonly int $riskScore,
        public readonly array $anomalies,
        public readonly ?string $command,
        public readonly bool $edited,
        public readonly array $approvers,
    ) {
    }

    /** @throws ProtocolException */
    public static function parse(mixed $value): self
    {
        $fields = Fields::of($value, 'decision');
        $approved = $fields->flag('approved');
        $state = $fields->text('decision');
        if (!in_array($state, self::STATES, true)) {
            throw $fields->invalid('decision: unknown state ' . json_encode($state));
        }
        if ($approved !== ($state === 'approved')) {
            // The gate fails closed: a contradictory decision is never an approval.
            throw $fields->invalid('approved is ' . json_encode($approved) . ' but decision is ' . json_encode($state));
        }
        // Older servers send neither; an edit must name what to run, or nothing may run.
        $command = $fields->optText('command');
        $edited = $fields->flag('edited', false);
        if ($edited && ($command === null || Fields::blank($command))) {
            throw $fields->invalid('edited is true but command is missing or blank');
        }
        return new self(
            requestId: $fields->text('request_id'),
            commandId: $fields->text('command_id'),
            approved: $approved,
            decision: $state,
            latencyMs: $fields->number('latency_ms'),
            reviewer: $fields->optText('reviewer', true),
            notes: $fields->optText('notes', true),
            whitelisted: $fields->flag('whitelisted'),
            ruleId: $fields->optText('rule_id', true),
            riskScore: $fields->integer('risk_score', 0, 100),
            anomalies: $fields->textList('anomalies'),
            command: $command,
            edited: $edited,
            approvers: $fields->textList('approvers', []),
        );
    }

    /** The public Decision for the command the caller submitted as `$command`. */
    public function toDecision(string $command): Decision
    {
        return new Decision(
            approved: $this->approved,
            decision: $this->decision,
            commandId: $this->commandId,
            command: $this->edited ? (string) $this->command : $command,
            edited: $this->edited,
            originalCommand: $command,
            reviewer: $this->reviewer,
            notes: $this->notes,
            whitelisted: $this->whitelisted,
            ruleId: $this->ruleId,
            riskScore: $this->riskScore,
            anomalies: $this->anomalies,
            approvers: $this->approvers,
            latencyMs: $this->latencyMs,
            requestId: $this->requestId,
        );
    }
}
