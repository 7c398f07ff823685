<?php

declare(strict_types=1);

namespace Expacti;

/**
 * One run(): submit, then long-poll until the command is decided or the deadline passes.
 *
 * Past the deadline the client cancels the command (`agent deadline passed`) and throws
 * CommandTimeoutException. Whenever the run fails while the command may still be pending
 * (the server lost, a refused long-poll, an answer that cannot be trusted) it asks the
 * server, best effort, to cancel it: an HTTP command is tied to no connection and would
 * otherwise wait for a reviewer nobody is waiting for. Only a refused token and a refused
 * submit (nothing was stored) leave nothing to cancel.
 *
 * @internal
 */
final class PendingCommand
{
    /**
     * The binding's longest long-poll. A server configured for less
     * (`long_poll_max_seconds`) refuses it with invalid_request; the wait is then halved
     * until the server takes it.
     */
    public const MAX_WAIT_SECONDS = 60.0;

    private readonly Deadline $deadline;
    private ?string $commandId = null;
    private float $maxWait = self::MAX_WAIT_SECONDS;

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
        $view = $this->submit();
        $this->commandId = $view->id;
        while (true) {
            $this->deadline->observe($view->createdAt, $view->expiresAt, $view->escalatedAt !== null);
            if ($view->decision !== null) {
                return $this->outcome($view->decision);
            }
            $left = $this->deadline->at() - Deadline::now();
            if ($left <= 0) {
                $this->cancel('agent deadline passed');
                throw new CommandTimeoutException($this->command);
            }
            $next = $this->poll($view->id, $left);
            if ($next === null) {
                continue; // the wait was too long for this server: asked again, shorter
            }
            if ($next->id !== $view->id) {
                $this->cancel('invalid response from the server');
                throw new ProtocolException("the server answered for command {$next->id} instead of {$view->id}");
            }
            $view = $next;
        }
    }

    private function submit(): CommandView
    {
        try {
            return $this->api->submit($this->body, $this->deadline->at());
        } catch (AuthenticationException $refused) {
            throw $refused;
        } catch (ProtocolException $error) {
            if ($error->getStatusCode() === null) {
                // A success that could not be read: the command may exist.
                $this->cancel('invalid response from the server');
            }
            throw $error; // refused with a status: nothing was stored
        } catch (ConnectionException $lost) {
            $this->lost($lost);
        }
    }

    /** The Command after one long-poll, or null when the server wants a shorter wait. */
    private function poll(string $id, float $left): ?CommandView
    {
        $sent = min($this->maxWait, $left);
        try {
            return $this->api->poll($id, $this->maxWait, $this->deadline->at());
        } catch (AuthenticationException $refused) {
            throw $refused;
        } catch (ProtocolException $error) {
            if ($error->getErrorCode() === 'invalid_request' && $sent > 1) {
                $this->maxWait = max($sent / 2, 1.0);
                return null;
            }
            $this->cancel($error->getErrorCode() === null ? 'invalid response from the server' : 'the agent stopped waiting');
            throw $error;
        } catch (ConnectionException $lost) {
            $this->lost($lost);
        }
    }

    /**
     * The server could not be reached in time: past the deadline that is the run's
     * timeout, else the loss itself. Either way the command is cancelled.
     *
     * @throws CommandTimeoutException|ConnectionException
     */
    private function lost(ConnectionException $lost): never
    {
        if (Deadline::now() >= $this->deadline->at()) {
            $this->cancel('agent deadline passed');
            throw new CommandTimeoutException($this->command, null, $lost);
        }
        $this->cancel('the agent lost the server');
        throw $lost;
    }

    private function cancel(string $reason): void
    {
        $this->api->cancel($this->commandId, $this->body, $reason);
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
