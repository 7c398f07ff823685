<?php

declare(strict_types=1);

namespace Expacti;

/** A reviewer denied the command, or it was cancelled; it must not run. */
final class CommandDeniedException extends ExpactiException
{
    public function __construct(private readonly Decision $decision)
    {
        $verb = $decision->decision === 'cancelled' ? 'cancelled' : 'denied';
        $by = $decision->reviewer !== null ? " by {$decision->reviewer}" : '';
        $why = $decision->notes !== null && $decision->notes !== '' ? ": {$decision->notes}" : '';
        parent::__construct("command {$verb}{$by}{$why} ({$decision->commandId})");
    }

    /** The denied or cancelled decision (`approved` is false). */
    public function getDecision(): Decision
    {
        return $this->decision;
    }

    /** The command the decision is about: the caller's own text. */
    public function getCommand(): string
    {
        return $this->decision->command;
    }

    /** Who denied it; null for a cancellation by the system. */
    public function getReviewer(): ?string
    {
        return $this->decision->reviewer;
    }

    /** The reviewer's note, or why the command was cancelled. */
    public function getNotes(): ?string
    {
        return $this->decision->notes;
    }

    /** The server's id of the command. */
    public function getCommandId(): string
    {
        return $this->decision->commandId;
    }
}
