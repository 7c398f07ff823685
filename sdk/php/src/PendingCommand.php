<?php

declare(strict_types=1);

namespace Expacti;

/**
 * One run(): submit, then long-poll until the command is decided or the deadline passes.
 *
 * Past the deadline the client cancels the command (`agent deadline passed`) and throws
 * CommandTimeoutException. Whenever the run fails while the command may still be pending
 * (the server lost, an answer that cannot be trusted) it asks the server, best effort, to
 * cancel it: an HTTP command is tied to no connection and would otherwise wait for a
 * reviewer nobody is waiting for.
 *
 * @internal
 */
final class PendingCommand
{
    /** The longest long-poll the server allows. */
    public const MAX_WAIT_SECONDS = 60.0;

    private readonly Deadline $deadline;
    private ?string $commandId = null;

    public function __construct(
        private readonly CommandApi $api,
        private readonly string $requestId,
        private readonly string $command,
        private readonly string $body,
        ?int $timeout,
    ) {
        $this->deadline = new Deadline(Deadline::now(), $timeout);
    }

    /**
     * The Decision, only for an approval.
     *
     * @throws CommandDeniedException|CommandTimeoutException|ConnectionException|ProtocolException
     */
    public function decide(): Decision
    {
        $view = $this->guarded(fn (): CommandView => $this->api->submit($this->body, $this->deadline->at()));
        $this->commandId = $view->id;
        while (true) {
            $this->deadline->observe($view->createdAt, $view->expiresAt, $view->escalatedAt !== null);
            if ($view->decision !== null) {
                return $this->outcome($view->decision);
            }
            $left = $this->deadline->at() - Deadline::now();
            if ($left <= 0) {
                $this->api->cancel($view->id, 'agent deadline passed');
                throw new CommandTimeoutException($this->command);
            }
            $wait = min(self::MAX_WAIT_SECONDS, floor($left * 1000) / 1000);
            $next = $this->guarded(fn (): CommandView => $this->api->poll($view->id, $wait, $this->deadline->at()));
            if ($next->id !== $view->id) {
                $this->api->cancel($view->id, 'invalid response from the server');
                throw new ProtocolException("the server answered for command {$next->id} instead of {$view->id}");
            }
            $view = $next;
        }
    }

    /** @param \Closure(): CommandView $call */
    private function guarded(\Closure $call): CommandView
    {
        try {
            return $call();
        } catch (AuthenticationException $refused) {
            throw $refused;
        } catch (ConnectionException $lost) {
            $this->cancelIfKnown('the agent lost the server');
            throw $lost;
        } catch (ProtocolException $error) {
            if ($error->getErrorCode() === null) {
                $this->cancelIfKnown('invalid response from the server');
            }
            throw $error;
        }
    }

    private function cancelIfKnown(string $reason): void
    {
        if ($this->commandId !== null) {
            $this->api->cancel($this->commandId, $reason);
        }
    }

    private function outcome(WireDecision $wire): Decision
    {
        if ($wire->requestId !== $this->requestId) {
            throw new ProtocolException(
                "the server sent the decision of request {$wire->requestId} for request {$this->requestId}",
            );
        }
        $decision = $wire->toDecision($this->command);
        if ($decision->approved) {
            return $decision;
        }
        if ($decision->decision === 'timed_out') {
            throw new CommandTimeoutException($this->command, $decision);
        }
        throw new CommandDeniedException($decision);
    }
}
