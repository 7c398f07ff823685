<?php

declare(strict_types=1);

namespace Expacti;

/**
 * No decision arrived in time.
 *
 * getDecision() is the server's `timed_out` decision, or null when the client's own
 * deadline passed first; the client then asked the server to cancel the command.
 */
final class CommandTimeoutException extends ExpactiException
{
    public function __construct(
        private readonly string $command,
        private readonly ?Decision $decision = null,
        ?\Throwable $previous = null,
    ) {
        if ($decision === null) {
            $message = "no decision before the client's deadline; the command was cancelled";
        } else {
            $why = $decision->notes !== null && $decision->notes !== '' ? ": {$decision->notes}" : '';
            $message = "command timed out{$why} ({$decision->commandId})";
        }
        parent::__construct($message, 0, $previous);
    }

    /** The command that was not decided in time: the caller's own text. */
    public function getCommand(): string
    {
        return $this->command;
    }

    /** The server's `timed_out` decision; null when the client stopped waiting first. */
    public function getDecision(): ?Decision
    {
        return $this->decision;
    }

    /** The server's id of the command, when the server decided the timeout. */
    public function getCommandId(): ?string
    {
        return $this->decision?->commandId;
    }
}
