<?php

declare(strict_types=1);

namespace Expacti\Tests\Unit;

use Expacti\Submission;
use PHPUnit\Framework\TestCase;

/** The checks of the submit body beyond the vectors: PHP's own ambiguities and the limits' edges. */
final class SubmissionTest extends TestCase
{
    public function testAnEmptyContextIsAnObject(): void
    {
        self::assertSame('{"request_id":"r","command":"ls","context":{}}', Submission::body('r', 'ls', context: []));
    }

    public function testSlashesAndUnicodeTravelAsTheyAre(): void
    {
        $body = Submission::body('r', 'cat /etc/hosts → é', 'eu/west');
        self::assertSame('{"request_id":"r","command":"cat /etc/hosts → é","target":"eu/west"}', $body);
    }

    /** @return iterable<string, array{array<string, mixed>, string}> */
    public static function refused(): iterable
    {
        yield 'a list as context' => [['context' => ['a', 'b']], '/^context must be a JSON object/'];
        yield 'a list as session' => [['session' => ['s-1']], '/^session must be an array/'];
        yield 'a session id too long' => [['session' => ['id' => str_repeat('s', 129)]], '/^session id must be/'];
        yield 'an empty session id' => [['session' => ['id' => '']], '/^session id must be/'];
        yield 'session steps that are not strings' => [['session' => ['id' => 's', 'steps' => [1]]], '/^session steps/'];
        yield 'session steps that are an object' => [['session' => ['id' => 's', 'steps' => ['a' => 'x']]], '/^session steps/'];
        yield 'a session goal that is no string' => [['session' => ['id' => 's', 'goal' => 5]], '/^session goal/'];
        yield 'a boolean current_step' => [['session' => ['id' => 's', 'current_step' => true]], '/^session current_step/'];
        yield 'a target of 256 characters' => [['target' => str_repeat('é', 256)], '/^target must be at most 255 characters$/'];
        yield 'a command that is not UTF-8' => [['command' => "ls \xff"], '/^command must be valid UTF-8$/'];
        yield 'a blank command of Unicode spaces' => [['command' => "\u{3000}\u{2028}\u{85}\t"], '/^command must not be blank$/'];
        yield 'a command with NUL' => [['command' => "ls\0rm"], '/^command must not contain NUL characters$/'];
        yield 'a float timeout' => [['timeout' => 1.5], '/^timeout must be an integer number of seconds from 1 to 600$/'];
        yield 'a boolean timeout' => [['timeout' => true], '/^timeout must be/'];
        yield 'context that is not UTF-8' => [['context' => ['k' => "\xff"]], '/^session and context must be encodable as JSON/'];
        yield 'context with INF' => [['context' => ['k' => INF]], '/^session and context must be encodable as JSON/'];
        yield 'a request_id with a newline' => [['requestId' => "r\n"], '/^request_id must be/'];
    }

    /**
     * @dataProvider refused
     * @param array<string, mixed> $arguments
     */
    public function testRefuses(array $arguments, string $message): void
    {
        $this->expectException(\InvalidArgumentException::class);
        $this->expectExceptionMessageMatches($message);
        Submission::body(...array_merge(['requestId' => 'r', 'command' => 'ls'], $arguments));
    }

    public function testACommandAtTheLimitInBytesIsFine(): void
    {
        $command = str_repeat('é', 32768); // 65,536 bytes
        self::assertStringContainsString($command, Submission::body('r', $command));
        $this->expectExceptionMessage('command is 65538 bytes; the server takes at most 65536');
        Submission::body('r', $command . 'é');
    }

    public function testMetadataIsMeasuredAsTheServerMeasuresIt(): void
    {
        // [null,{"v":"…"}] is 15 bytes around the text; a non-ASCII character counts 6
        // (\u00e9), a slash 1 (never \/).
        $text = str_repeat('/', 16369 - 6) . 'é';
        self::assertStringContainsString('"context":{"v":"', Submission::body('r', 'ls', context: ['v' => $text]));
        $this->expectExceptionMessage('session and context are 16385 bytes of JSON; the server takes at most 16384');
        Submission::body('r', 'ls', context: ['v' => $text . '/']);
    }

    public function testASessionTravelsAsGiven(): void
    {
        $session = ['id' => 's-1', 'goal' => 'ship', 'steps' => ['build', 'ship'], 'current_step' => 1];
        $body = json_decode(Submission::body('r', 'make', session: $session), true);
        self::assertSame($session, $body['session']);
    }
}
