<?php

declare(strict_types=1);

namespace Expacti\Tests\Unit;

use Expacti\CommandView;
use Expacti\ProtocolException;
use Expacti\Tests\Support\Vectors;
use PHPUnit\Framework\TestCase;

/** A Command is trusted only when its status, decision and id agree. */
final class CommandViewTest extends TestCase
{
    public function testAPendingCommand(): void
    {
        $view = CommandView::parse(self::command());
        self::assertSame(['cmd_1', 'pending', null, null], [$view->id, $view->status, $view->decision, $view->escalatedAt]);
        self::assertSame(60.0, $view->expiresAt - $view->createdAt);
    }

    public function testADecidedCommandCarriesItsDecision(): void
    {
        $view = CommandView::parse(self::command(['status' => 'approved', 'decision' => self::approval()]));
        self::assertNotNull($view->decision);
        self::assertTrue($view->decision->approved);
    }

    public function testReadsEscalationAndOtherZones(): void
    {
        $view = CommandView::parse(self::command([
            'created_at' => '2026-11-21T11:00:00+01:00',
            'expires_at' => '2026-11-21 10:02:30.5Z',
            'escalated_at' => '2026-11-21T10:01:00.123456789Z',
        ]));
        self::assertSame(150.5, $view->expiresAt - $view->createdAt);
        self::assertSame(60.123456, round($view->escalatedAt - $view->createdAt, 6));
    }

    /** @return iterable<string, array{array<string, mixed>}> */
    public static function untrustworthy(): iterable
    {
        $approval = self::approval();
        $contradiction = clone $approval;
        $contradiction->decision = 'denied';
        $otherCommand = clone $approval;
        $otherCommand->command_id = 'cmd_2';
        yield 'decided without a decision' => [['status' => 'approved']];
        yield 'pending with a decision' => [['decision' => $approval]];
        yield 'a status the decision does not have' => [['status' => 'denied', 'decision' => $approval]];
        yield 'a decision that contradicts itself' => [['status' => 'denied', 'decision' => $contradiction]];
        yield 'a decision of another command' => [['status' => 'approved', 'decision' => $otherCommand]];
        yield 'an unknown status' => [['status' => 'escalating']];
        yield 'a decision that is not an object' => [['status' => 'approved', 'decision' => 'approved']];
        yield 'no id' => [['id' => null]];
        yield 'expires_at without a zone' => [['expires_at' => '2026-11-21T10:01:00']];
        yield 'expires_at that is no timestamp' => [['expires_at' => 'soon']];
        yield 'expires_at on a day that does not exist' => [['expires_at' => '2026-02-30T10:01:00Z']];
        yield 'no created_at' => [['created_at' => null]];
    }

    /**
     * @dataProvider untrustworthy
     * @param array<string, mixed> $changes
     */
    public function testRefuses(array $changes): void
    {
        $this->expectException(ProtocolException::class);
        CommandView::parse(self::command($changes));
    }

    public function testRefusesADuplicateKeyInTheDecision(): void
    {
        $text = str_replace('"approved":true', '"approved":false,"approved":true', self::command([
            'status' => 'approved',
            'decision' => self::approval(),
        ]));
        $this->expectExceptionMessage('duplicate key "approved"');
        CommandView::parse($text);
    }

    public function testRefusesABodyThatIsNoObject(): void
    {
        $this->expectExceptionMessage('the server sent an invalid Command: not a JSON object');
        CommandView::parse('[]');
    }

    private static function approval(): \stdClass
    {
        $decision = Vectors::withoutType(Vectors::serverFrame('decision-approved-by-reviewer'));
        $decision->command_id = 'cmd_1';
        return $decision;
    }

    /** @param array<string, mixed> $changes a null value removes the field */
    private static function command(array $changes = []): string
    {
        $command = array_merge([
            'id' => 'cmd_1',
            'request_id' => 'r-1',
            'command' => 'ls',
            'status' => 'pending',
            'decision' => null,
            'created_at' => '2026-11-21T10:00:00.000000Z',
            'expires_at' => '2026-11-21T10:01:00.000000Z',
            'escalated_at' => null,
        ], $changes);
        foreach (['id', 'created_at'] as $key) {
            if (array_key_exists($key, $changes) && $changes[$key] === null) {
                unset($command[$key]);
            }
        }
        return json_encode($command, JSON_THROW_ON_ERROR);
    }
}
