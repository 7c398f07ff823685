<?php

declare(strict_types=1);

namespace Expacti\Tests\Unit;

use Expacti\AuthenticationException;
use Expacti\CommandDeniedException;
use Expacti\CommandTimeoutException;
use Expacti\ConnectionException;
use Expacti\Decision;
use Expacti\ExpactiException;
use Expacti\ProtocolException;
use PHPUnit\Framework\TestCase;

final class ErrorsTest extends TestCase
{
    public function testOneTree(): void
    {
        self::assertSame(\RuntimeException::class, get_parent_class(ExpactiException::class));
        $children = [
            CommandDeniedException::class,
            CommandTimeoutException::class,
            ConnectionException::class,
            ProtocolException::class,
        ];
        foreach ($children as $class) {
            self::assertSame(ExpactiException::class, get_parent_class($class), $class);
        }
        self::assertSame(ConnectionException::class, get_parent_class(AuthenticationException::class));
    }

    public function testADenialCarriesTheCommandTheReviewerAndTheNote(): void
    {
        $error = new CommandDeniedException(self::decision('denied', 'bob', 'not on a Friday'));
        self::assertSame('command denied by bob: not on a Friday (cmd_1)', $error->getMessage());
        self::assertSame(['rm -rf /tmp/x', 'bob', 'not on a Friday', 'cmd_1'], [
            $error->getCommand(), $error->getReviewer(), $error->getNotes(), $error->getCommandId(),
        ]);
        self::assertFalse($error->getDecision()->approved);
    }

    public function testACancellationIsADenial(): void
    {
        $error = new CommandDeniedException(self::decision('cancelled', null, 'agent disconnected'));
        self::assertSame('command cancelled: agent disconnected (cmd_1)', $error->getMessage());
    }

    public function testATimeoutWithAndWithoutTheServersDecision(): void
    {
        $server = new CommandTimeoutException('ls', self::decision('timed_out', null, 'no decision within 60 s'));
        self::assertSame('command timed out: no decision within 60 s (cmd_1)', $server->getMessage());
        self::assertSame('cmd_1', $server->getCommandId());
        $own = new CommandTimeoutException('ls');
        self::assertSame("no decision before the client's deadline; the command was cancelled", $own->getMessage());
        self::assertSame(['ls', null, null], [$own->getCommand(), $own->getDecision(), $own->getCommandId()]);
    }

    public function testCodes(): void
    {
        $refused = new AuthenticationException('refused', 403);
        self::assertSame([403, 403], [$refused->getStatusCode(), $refused->getCode()]);
        self::assertSame('too_many_pending', (new ProtocolException('x', 'too_many_pending'))->getErrorCode());
        self::assertNull((new ProtocolException('x'))->getErrorCode());
    }

    private static function decision(string $state, ?string $reviewer, ?string $notes): Decision
    {
        return new Decision(
            approved: false,
            decision: $state,
            commandId: 'cmd_1',
            command: 'rm -rf /tmp/x',
            edited: false,
            originalCommand: 'rm -rf /tmp/x',
            reviewer: $reviewer,
            notes: $notes,
            whitelisted: false,
            ruleId: null,
            riskScore: 70,
            anomalies: ['destructive'],
            approvers: [],
            latencyMs: 900.0,
            requestId: 'r-3',
        );
    }
}
