<?php

declare(strict_types=1);

namespace Expacti\Tests\Unit;

use Expacti\Client;
use Expacti\ConnectionException;
use Expacti\Endpoint;
use Expacti\Tests\Support\Ports;
use PHPUnit\Framework\TestCase;

/** What the client refuses before anything is sent, and where it sends the rest. */
final class ClientArgumentsTest extends TestCase
{
    private const TOKEN = 'agent-token-SECRET';

    /** @return iterable<string, array{string, string}> */
    public static function urls(): iterable
    {
        yield 'an http base' => ['http://localhost:3001', 'http://localhost:3001'];
        yield 'a trailing slash' => ['https://gate.example.com/', 'https://gate.example.com'];
        yield 'the agent WebSocket' => ['ws://localhost:3001/shell/ws', 'http://localhost:3001'];
        yield 'the secure agent WebSocket' => ['wss://gate.example.com/shell/ws', 'https://gate.example.com'];
        yield 'a prefix' => ['wss://example.com/expacti/shell/ws/', 'https://example.com/expacti'];
        yield 'an http URL of the socket' => ['http://[::1]:8080/shell/ws', 'http://[::1]:8080'];
        yield 'upper case' => ['HTTP://localhost', 'http://localhost'];
    }

    /** @dataProvider urls */
    public function testMapsTheUrl(string $url, string $base): void
    {
        self::assertSame($base, Endpoint::baseUrl($url));
    }

    /** @return iterable<string, array{string}> */
    public static function badUrls(): iterable
    {
        yield 'another scheme' => ['ftp://localhost'];
        yield 'no scheme' => ['localhost:3001'];
        yield 'no host' => ['http://'];
        yield 'a WebSocket that is not the agent socket' => ['ws://localhost:3001/api/v1/reviewer/ws'];
        yield 'credentials' => ['https://user:pass@example.com'];
        yield 'a token in the query' => ['wss://example.com/shell/ws?token=x'];
        yield 'a fragment' => ['http://example.com#x'];
        yield 'nonsense' => ['http://:80'];
    }

    /** @dataProvider badUrls */
    public function testRefusesTheUrl(string $url): void
    {
        $this->expectException(\InvalidArgumentException::class);
        new Client(url: $url, token: self::TOKEN);
    }

    /** @return iterable<string, array{string}> */
    public static function badTokens(): iterable
    {
        yield 'empty' => [''];
        yield 'a space' => ['abc def'];
        yield 'a newline, which would add a header' => ["abc\r\nX-Evil: 1"];
        yield 'not ASCII' => ['tökén'];
        yield 'a tab' => ["abc\t"];
    }

    /** @dataProvider badTokens */
    public function testRefusesTheTokenWithoutSayingIt(string $token): void
    {
        try {
            new Client(url: 'http://localhost', token: $token);
        } catch (\InvalidArgumentException $error) {
            self::assertSame('token must be non-empty printable ASCII without spaces', $error->getMessage());
            return;
        }
        self::fail('accepted a bad token');
    }

    /** @return iterable<string, array{float, float}> */
    public static function badDurations(): iterable
    {
        yield 'zero' => [0.0, 10.0];
        yield 'negative' => [-1.0, 10.0];
        yield 'infinite' => [INF, 10.0];
        yield 'NaN request timeout' => [60.0, NAN];
    }

    /** @dataProvider badDurations */
    public function testRefusesDurations(float $reconnect, float $request): void
    {
        $this->expectException(\InvalidArgumentException::class);
        new Client(url: 'http://localhost', token: self::TOKEN, reconnectTimeout: $reconnect, requestTimeout: $request);
    }

    public function testDumpingTheClientDoesNotShowTheToken(): void
    {
        $client = new Client(url: 'http://localhost', token: self::TOKEN);
        self::assertStringNotContainsString('SECRET', print_r($client, true));
        ob_start();
        var_dump($client);
        self::assertStringNotContainsString('SECRET', (string) ob_get_clean());
    }

    public function testExportingTheClientDoesNotShowTheToken(): void
    {
        $client = new Client(url: 'http://localhost', token: self::TOKEN);
        self::assertStringNotContainsString('SECRET', var_export($client, true));
        self::assertStringNotContainsString('SECRET', print_r((array) $client, true));
        self::assertStringNotContainsString('SECRET', (string) json_encode($client));
    }

    public function testTheClientCannotBeSerialized(): void
    {
        $client = new Client(url: 'http://localhost', token: self::TOKEN);
        try {
            $text = serialize($client);
        } catch (\LogicException $refused) {
            self::assertStringNotContainsString('SECRET', $refused->getMessage());
            return;
        }
        self::fail('serialized the client: ' . $text);
    }

    /** A failed run's exception, as a logger or an error page would print it. */
    public function testAFailedRunsExceptionDoesNotShowTheToken(): void
    {
        $client = new Client(url: 'http://127.0.0.1:' . Ports::closed(), token: self::TOKEN, reconnectTimeout: 0.01);
        try {
            $client->run('ls');
        } catch (ConnectionException $lost) {
            self::assertStringNotContainsString('SECRET', $lost->getTraceAsString());
            self::assertStringNotContainsString('SECRET', print_r($lost, true));
            self::assertStringNotContainsString('SECRET', var_export($lost->getTrace(), true));
            ob_start();
            var_dump($lost);
            self::assertStringNotContainsString('SECRET', (string) ob_get_clean());
            return;
        }
        self::fail('approved without a server');
    }

    public function testAStackTraceDoesNotShowTheToken(): void
    {
        try {
            new Client(url: 'ftp://nowhere', token: self::TOKEN);
        } catch (\InvalidArgumentException $error) {
            self::assertStringNotContainsString('SECRET', $error->getTraceAsString());
            foreach ($error->getTrace() as $frame) {
                foreach ($frame['args'] ?? [] as $argument) {
                    self::assertFalse(is_string($argument) && str_contains($argument, 'SECRET'), 'the token in a trace');
                }
            }
            return;
        }
        self::fail('accepted ftp');
    }

    /** @return iterable<string, array{array<string, mixed>, string}> */
    public static function badRuns(): iterable
    {
        yield 'a blank command' => [['command' => " \n"], 'command must not be blank'];
        yield 'a command too large' => [['command' => str_repeat('a', 65537)], 'command is 65537 bytes; the server takes at most 65536'];
        yield 'a timeout of 0' => [['timeout' => 0], 'timeout must be an integer number of seconds from 1 to 600'];
        yield 'a timeout of 601' => [['timeout' => 601], 'timeout must be an integer number of seconds from 1 to 600'];
        yield 'a target too long' => [['target' => str_repeat('t', 256)], 'target must be at most 255 characters'];
        yield 'a session without id' => [['session' => ['goal' => 'x']], 'session id must be a string of 1-128 characters'];
        yield 'a list as context' => [['context' => [1]], 'context must be a JSON object (an associative array)'];
        yield 'metadata too large' => [
            ['context' => ['v' => str_repeat('x', 20000)]],
            'session and context are 20015 bytes of JSON; the server takes at most 16384',
        ];
    }

    /**
     * Refused before sending: the client points at a port nothing listens on, so anything
     * sent would end in a ConnectionException instead.
     *
     * @dataProvider badRuns
     * @param array<string, mixed> $arguments
     */
    public function testRefusesTheRunBeforeSending(array $arguments, string $message): void
    {
        $client = new Client(url: 'http://127.0.0.1:' . Ports::closed(), token: self::TOKEN, reconnectTimeout: 0.01);
        $this->expectException(\InvalidArgumentException::class);
        $this->expectExceptionMessage($message);
        $client->run(...array_merge(['command' => 'ls'], $arguments));
    }

    /** @return iterable<string, array{string, string, string}> */
    public static function badSessionEnds(): iterable
    {
        yield 'an unknown status' => ['s-1', 'done', 'status must be "completed" or "failed"'];
        yield 'no status' => ['s-1', '', 'status must be "completed" or "failed"'];
        yield 'an empty session id' => ['', 'completed', 'session_id must be a string of 1-128 characters'];
        yield 'a session id too long' => [str_repeat('s', 129), 'failed', 'session_id must be a string of 1-128 characters'];
    }

    /** @dataProvider badSessionEnds */
    public function testRefusesTheSessionEndBeforeSending(string $sessionId, string $status, string $message): void
    {
        $client = new Client(url: 'http://127.0.0.1:' . Ports::closed(), token: self::TOKEN, reconnectTimeout: 0.01);
        $this->expectException(\InvalidArgumentException::class);
        $this->expectExceptionMessage($message);
        $client->endSession($sessionId, $status);
    }
}
