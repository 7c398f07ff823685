<?php

declare(strict_types=1);

namespace Expacti;

/**
 * A command's final decision: the server's decision object plus what was asked.
 *
 * `approved` is true only when `decision` is "approved"; only then may the command run.
 * Run `command`: the caller's text (`originalCommand`) unless a reviewer edited it before
 * approving (`edited`), then the edited text. Never run `originalCommand` after an edit.
 */
final class Decision
{
    /**
     * @param string $decision "approved", "denied", "timed_out" or "cancelled"
     * @param list<string> $anomalies ids of the risk rules that found something, highest score first
     * @param list<string> $approvers the reviewers who approved, in order; empty when
     *                                whitelisted or not approved
     */
    public function __construct(
        public readonly bool $approved,
        public readonly string $decision,
        /** The server's id of the command. */
        public readonly string $commandId,
        /** The command to run: the reviewer's text after an edit, else the caller's own. */
        public readonly string $command,
        public readonly bool $edited,
        /** What the caller submitted. */
        public readonly string $originalCommand,
        /** Who decided; null for whitelist hits, timeouts and cancellations. */
        public readonly ?string $reviewer,
        /** The reviewer's note, or why the command was timed out or cancelled. */
        public readonly ?string $notes,
        /** Approved by a whitelist rule, without a human. */
        public readonly bool $whitelisted,
        /** The (first) whitelist rule that matched. */
        public readonly ?string $ruleId,
        /** The server's risk assessment, 0-100. */
        public readonly int $riskScore,
        public readonly array $anomalies,
        public readonly array $approvers,
        /** From submission to decision, measured by the server. */
        public readonly float $latencyMs,
        /** The idempotency key the SDK chose for this command. */
        public readonly string $requestId,
    ) {
    }
}
