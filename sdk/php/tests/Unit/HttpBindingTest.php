<?php

declare(strict_types=1);

namespace Expacti\Tests\Unit;

use Expacti\AuthenticationException;
use Expacti\Client;
use Expacti\CommandDeniedException;
use Expacti\CommandTimeoutException;
use Expacti\ConnectionException;
use Expacti\Decision;
use Expacti\ProtocolException;
use Expacti\Tests\Support\FakeServer;
use Expacti\Tests\Support\Ports;
use Expacti\Tests\Support\Vectors;
use PHPUnit\Framework\TestCase;

/**
 * The client over real sockets against a scripted server, for what the real server cannot
 * be made to do on demand: answer 503 and then 201, drop a connection, cut a body short,
 * send a decision that contradicts itself.
 */
final class HttpBindingTest extends TestCase
{
    private const TOKEN = 'agent-token-1';

    private ?FakeServer $server = null;

    protected function tearDown(): void
    {
        $this->server?->stop();
    }

    public function testRetriesAnUnavailableSubmitWithTheSameRequestId(): void
    {
        $this->serve([
            ['status' => 503, 'body' => self::error('unavailable', 'the database is down')],
            ['status' => 502, 'raw' => '<html>Bad Gateway</html>'],
            ['status' => 504, 'raw' => ''],
            ['status' => 201, 'body' => self::pending()],
            ['status' => 200, 'body' => self::decided('approved')],
        ]);
        $decision = $this->client()->run('terraform apply', target: 'prod', timeout: 120);
        self::assertTrue($decision->approved);
        self::assertSame(['cmd_1', 'alice', 'terraform apply'], [$decision->commandId, $decision->reviewer, $decision->command]);

        $requests = $this->server->requests();
        self::assertSame(['POST', 'POST', 'POST', 'POST', 'GET'], array_column($requests, 'method'));
        $submits = array_slice($requests, 0, 4);
        self::assertCount(1, array_unique(array_column($submits, 'body')), 'every retry re-sends the same body');
        $body = json_decode($submits[0]['body'], true);
        self::assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $body['request_id']);
        self::assertSame($body['request_id'], $decision->requestId);
        self::assertSame(['command' => 'terraform apply', 'target' => 'prod', 'timeout_seconds' => 120], array_slice($body, 1));
        self::assertMatchesRegularExpression('#^/api/v1/commands/cmd_1\?wait=(\d+(\.\d+)?)$#', $requests[4]['path']);
        foreach ($requests as $request) {
            self::assertSame('Bearer ' . self::TOKEN, $request['headers']['authorization']);
            self::assertStringNotContainsString(self::TOKEN, $request['path']);
        }
        self::assertSame('application/json', $requests[0]['headers']['content-type']);
    }

    public function testTheLongPollWaitsAtMostSixtySeconds(): void
    {
        $this->serve([['status' => 201, 'body' => self::pending()], ['status' => 200, 'body' => self::decided('approved')]]);
        $this->client()->run('ls');
        self::assertSame('/api/v1/commands/cmd_1?wait=60', $this->server->requests()[1]['path']);
    }

    public function testPollsAgainAfterADroppedConnectionOrACutBody(): void
    {
        $this->serve([
            ['status' => 201, 'body' => self::pending()],
            ['close' => true],
            ['status' => 200, 'body' => self::pending(), 'truncate' => true],
            ['status' => 200, 'body' => self::pending()],
            ['status' => 200, 'body' => self::decided('approved')],
        ]);
        self::assertTrue($this->client()->run('ls')->approved);
        $paths = array_column($this->server->requests(), 'path');
        self::assertSame('/api/v1/commands', $paths[0]);
        self::assertCount(5, $paths);
        foreach (array_slice($paths, 1) as $path) {
            self::assertStringStartsWith('/api/v1/commands/cmd_1?wait=', $path);
        }
    }

    public function testAWhitelistedCommandIsApprovedWithoutPolling(): void
    {
        $whitelisted = ['whitelisted' => true, 'reviewer' => null, 'rule_id' => 'rule_1'];
        $this->serve([['status' => 201, 'body' => self::decided('approved', $whitelisted)]]);
        $decision = $this->client()->run('ls');
        self::assertSame([true, null, 'rule_1'], [$decision->whitelisted, $decision->reviewer, $decision->ruleId]);
        self::assertCount(1, $this->server->requests());
    }

    public function testAnEditIsWhatRuns(): void
    {
        $this->serve([
            ['status' => 201, 'body' => self::pending()],
            ['status' => 200, 'body' => self::decided('approved', ['edited' => true, 'command' => 'ls -la /srv'])],
        ]);
        $decision = $this->client()->run('ls -la /');
        self::assertSame(['ls -la /srv', 'ls -la /', true], [$decision->command, $decision->originalCommand, $decision->edited]);
    }

    /** @return iterable<string, array{int, string}> */
    public static function refusedTokens(): iterable
    {
        yield 'unknown' => [401, 'unauthenticated'];
        yield 'a reviewer token' => [403, 'forbidden'];
    }

    /** @dataProvider refusedTokens */
    public function testARefusedTokenIsNeverRetried(int $status, string $code): void
    {
        $this->serve([['status' => $status, 'body' => self::error($code, 'no')]], true);
        try {
            $this->client()->run('ls');
            self::fail('approved with a refused token');
        } catch (AuthenticationException $refused) {
            self::assertSame($status, $refused->getStatusCode());
            self::assertStringContainsString($code, $refused->getMessage());
        }
        self::assertCount(1, $this->server->requests());
    }

    /** @return iterable<string, array{array<string, mixed>, ?string}> */
    public static function refusals(): iterable
    {
        yield 'request_id_conflict' => [['status' => 409, 'body' => self::error('request_id_conflict', 'used')], 'request_id_conflict'];
        yield 'too_many_pending' => [['status' => 429, 'body' => self::error('too_many_pending', 'wait')], 'too_many_pending'];
        yield 'invalid_request' => [['status' => 422, 'body' => self::error('invalid_request', 'bad')], 'invalid_request'];
        yield 'internal_error' => [['status' => 500, 'body' => self::error('internal_error', 'oops')], 'internal_error'];
        yield 'a proxy page' => [['status' => 404, 'raw' => '<html>Not Found</html>'], null];
    }

    /**
     * @dataProvider refusals
     * @param array<string, mixed> $step
     */
    public function testARefusalCarriesTheErrorCodeAndIsNotRetried(array $step, ?string $code): void
    {
        $this->serve([$step], true);
        try {
            $this->client()->run('ls');
            self::fail('approved a refused command');
        } catch (ProtocolException $refused) {
            self::assertSame($code, $refused->getErrorCode());
        }
        self::assertCount(1, $this->server->requests());
    }

    public function testADenialWithTheReviewersNote(): void
    {
        $this->serve([
            ['status' => 201, 'body' => self::pending()],
            ['status' => 200, 'body' => self::decided('denied', ['reviewer' => 'bob', 'notes' => 'not on a Friday'])],
        ]);
        try {
            $this->client()->run('rm -rf /tmp/x');
            self::fail('a denial returned');
        } catch (CommandDeniedException $denied) {
            self::assertSame(
                ['rm -rf /tmp/x', 'bob', 'not on a Friday'],
                [$denied->getCommand(), $denied->getReviewer(), $denied->getNotes()],
            );
            self::assertFalse($denied->getDecision()->approved);
        }
    }

    public function testACancellationIsADenial(): void
    {
        $this->serve([['status' => 201, 'body' => self::decided('cancelled', ['reviewer' => null, 'notes' => 'withdrawn'])]]);
        $this->expectException(CommandDeniedException::class);
        $this->client()->run('ls');
    }

    public function testTheServersTimeoutCarriesItsDecision(): void
    {
        $this->serve([
            ['status' => 201, 'body' => self::pending()],
            ['status' => 200, 'body' => self::decided('timed_out', ['reviewer' => null, 'notes' => 'no decision within 60 s'])],
        ]);
        try {
            $this->client()->run('ls');
            self::fail('a timeout returned');
        } catch (CommandTimeoutException $timeout) {
            self::assertSame('timed_out', $timeout->getDecision()?->decision);
            self::assertSame('cmd_1', $timeout->getCommandId());
        }
    }

    /** @return iterable<string, array{string}> */
    public static function untrustworthy(): iterable
    {
        $approved = json_encode(self::decided('approved'));
        yield 'a duplicate approved key' => [str_replace('"approved":true', '"approved":false,"approved":true', $approved)];
        yield 'approved but denied' => [json_encode(self::decided('approved', ['decision' => 'denied']))];
        yield 'an edit without its command' => [json_encode(self::decided('approved', ['edited' => true, 'command' => null]))];
        yield 'a decision of another command' => [json_encode(array_merge(self::decided('approved'), ['id' => 'cmd_2']))];
        yield 'another command altogether' => [json_encode(array_merge(self::pending(), ['id' => 'cmd_2']))];
        yield 'the decision of another request' => [json_encode(self::decided('approved', ['request_id' => 'r-other']))];
    }

    /** @dataProvider untrustworthy */
    public function testAnUntrustworthyAnswerIsNeverAnApprovalAndTheCommandIsCancelled(string $body): void
    {
        $this->serve([
            ['status' => 201, 'body' => self::pending()],
            ['status' => 200, 'raw' => $body],
            ['status' => 200, 'body' => self::decided('cancelled', ['reviewer' => null])],
        ]);
        try {
            $this->client()->run('ls');
            self::fail('an untrustworthy answer returned');
        } catch (ProtocolException $error) {
            self::assertNull($error->getErrorCode());
        }
        $requests = $this->server->requests();
        if (!str_contains($body, 'r-other')) { // that one was decided: nothing left to cancel
            self::assertSame('/api/v1/commands/cmd_1/cancel', end($requests)['path']);
            self::assertSame('{"reason":"invalid response from the server"}', end($requests)['body']);
        }
    }

    public function testAnUnreachableServerFailsAfterTheReconnectWindow(): void
    {
        $client = new Client(url: 'http://127.0.0.1:' . Ports::closed(), token: self::TOKEN, reconnectTimeout: 0.3);
        try {
            $client->run('ls');
            self::fail('approved without a server');
        } catch (ConnectionException $lost) {
            self::assertNotInstanceOf(AuthenticationException::class, $lost);
            self::assertStringContainsString('reconnect window', $lost->getMessage());
            self::assertStringNotContainsString(self::TOKEN, $lost->getMessage());
        }
    }

    public function testAServerThatStaysUnavailableFailsAfterTheReconnectWindow(): void
    {
        $this->serve([['status' => 503, 'body' => self::error('unavailable', 'down')]], true);
        try {
            $this->client(reconnectTimeout: 0.5)->run('ls');
            self::fail('approved without a server');
        } catch (ConnectionException $lost) {
            self::assertStringContainsString('HTTP 503 unavailable: down', $lost->getMessage());
        }
        $bodies = array_unique(array_column($this->server->requests(), 'body'));
        self::assertCount(1, $bodies);
        self::assertGreaterThan(1, count($this->server->requests()));
    }

    public function testTheClientsOwnDeadlineCancelsTheCommand(): void
    {
        // The server never decides: every poll is held for its whole wait, then pending.
        $this->serve([
            ['status' => 201, 'body' => self::pending()],
            ['status' => 200, 'body' => self::pending(), 'hold' => true],
        ], true);
        try {
            $this->client()->run('sleep 1', timeout: 1);
            self::fail('approved without a decision');
        } catch (CommandTimeoutException $timeout) {
            self::assertNull($timeout->getDecision());
            self::assertSame('sleep 1', $timeout->getCommand());
        }
        $requests = $this->server->requests();
        $last = end($requests);
        self::assertSame(
            ['POST', '/api/v1/commands/cmd_1/cancel', '{"reason":"agent deadline passed"}'],
            [$last['method'], $last['path'], $last['body']],
        );
        foreach (array_slice($requests, 1, -1) as $poll) {
            self::assertMatchesRegularExpression('#\?wait=[0-6](\.\d+)?$#', $poll['path'], 'a poll never outlasts the deadline');
        }
    }

    /**
     * A server configured with a shorter long-poll (long_poll_max_seconds) refuses wait=60
     * with invalid_request: the wait is halved until it takes it, and stays there.
     */
    public function testALongPollTheServerRefusesAsTooLongIsHalved(): void
    {
        $tooLong = ['status' => 422, 'body' => self::error('invalid_request', 'wait is limited to 20 seconds')];
        $this->serve([
            ['status' => 201, 'body' => self::pending()],
            $tooLong,
            $tooLong,
            ['status' => 200, 'body' => self::pending()],
            ['status' => 200, 'body' => self::decided('approved')],
        ]);
        self::assertTrue($this->client()->run('ls')->approved);
        self::assertSame(['60', '30', '15', '15'], self::waits($this->server->requests()));
    }

    /** @return iterable<string, array{int, string}> */
    public static function pollRefusals(): iterable
    {
        yield 'not_found' => [404, 'not_found'];
        yield 'internal_error' => [500, 'internal_error'];
        yield 'too_many_requests' => [429, 'rate_limited'];
    }

    /**
     * Once the command exists, any refusal of a long-poll ends the run and cancels the
     * command: nobody would be waiting for its decision.
     *
     * @dataProvider pollRefusals
     */
    public function testARefusedLongPollCancelsTheCommand(int $status, string $code): void
    {
        $this->serve([
            ['status' => 201, 'body' => self::pending()],
            ['status' => $status, 'body' => self::error($code, 'no')],
            ['status' => 200, 'body' => self::decided('cancelled', ['reviewer' => null])],
        ]);
        try {
            $this->client()->run('ls');
            self::fail('approved after a refused long-poll');
        } catch (ProtocolException $refused) {
            self::assertSame([$code, $status], [$refused->getErrorCode(), $refused->getStatusCode()]);
        }
        $requests = $this->server->requests();
        self::assertCount(3, $requests);
        self::assertSame(
            ['POST', '/api/v1/commands/cmd_1/cancel', '{"reason":"the agent stopped waiting"}'],
            [$requests[2]['method'], $requests[2]['path'], $requests[2]['body']],
        );
    }

    /**
     * A long-poll whose answer trickles in (each byte well within any read timeout) is cut
     * at the run's deadline; the command is cancelled. The trickle's own end is only a
     * guard against a client that never gives up.
     */
    public function testASlowAnswerIsCutAtTheRunsDeadline(): void
    {
        $this->serve([
            ['status' => 201, 'body' => self::pending()],
            ['trickle' => 60],
            ['status' => 200, 'body' => self::decided('cancelled', ['reviewer' => null])],
        ]);
        $client = new Client(url: $this->server->url(), token: self::TOKEN, requestTimeout: 120.0);
        try {
            $client->run('ls', timeout: 1);
            self::fail('approved without a decision');
        } catch (CommandTimeoutException $timeout) {
            self::assertNull($timeout->getDecision());
        }
        $requests = $this->server->requests();
        self::assertCount(3, $requests);
        self::assertSame(
            ['/api/v1/commands/cmd_1/cancel', '{"reason":"agent deadline passed"}'],
            [$requests[2]['path'], $requests[2]['body']],
        );
    }

    /** A request that takes longer than requestTimeout in all is cut, however steadily bytes come. */
    public function testASlowAnswerIsCutAtTheRequestLimit(): void
    {
        $this->serve([['trickle' => 60], ['trickle' => 60]]);
        $client = new Client(url: $this->server->url(), token: self::TOKEN, reconnectTimeout: 0.01, requestTimeout: 0.3);
        try {
            $client->run('ls');
            self::fail('approved without an answer');
        } catch (ConnectionException $lost) {
            self::assertStringContainsString('took longer than 0.3 s', $lost->getMessage());
        }
    }

    /** A long-poll retried after an outage asks only for the time left before the deadline. */
    public function testARetriedLongPollWaitsOnlyForTheTimeLeft(): void
    {
        $this->serve([
            ['status' => 201, 'body' => self::pending()],
            ['close' => true, 'pause' => 0.1],
            ['status' => 200, 'body' => self::decided('approved')],
        ]);
        self::assertTrue($this->client()->run('ls', timeout: 1)->approved);
        [$first, $retried] = array_map('floatval', self::waits($this->server->requests()));
        self::assertLessThan($first, $retried);
    }

    /**
     * The submit's answer could not be read, so the run cannot know the command's id: it
     * submits again with the same request_id (the server answers with the command it
     * has) and cancels that.
     */
    public function testAnUnreadableSubmitAnswerIsLookedUpAndCancelled(): void
    {
        $this->serve([
            ['status' => 200, 'raw' => 'OK'],
            ['status' => 200, 'body' => self::pending()],
            ['status' => 200, 'body' => self::decided('cancelled', ['reviewer' => null])],
        ]);
        try {
            $this->client()->run('ls');
            self::fail('approved an unreadable answer');
        } catch (ProtocolException $error) {
            self::assertNull($error->getErrorCode());
        }
        $requests = $this->server->requests();
        self::assertSame(['/api/v1/commands', '/api/v1/commands', '/api/v1/commands/cmd_1/cancel'], array_column($requests, 'path'));
        self::assertSame($requests[0]['body'], $requests[1]['body']);
        self::assertSame('{"reason":"invalid response from the server"}', $requests[2]['body']);
    }

    /** Every answer to the submit was lost until the run gave up: looked up and cancelled. */
    public function testALostSubmitAnswerIsLookedUpAndCancelled(): void
    {
        $this->serve([
            ['close' => true, 'pause' => 0.05],
            ['close' => true, 'pause' => 0.05],
            ['status' => 200, 'body' => self::pending()],
            ['status' => 200, 'body' => self::decided('cancelled', ['reviewer' => null])],
        ]);
        try {
            $this->client(reconnectTimeout: 0.01)->run('ls');
            self::fail('approved without an answer');
        } catch (ConnectionException $lost) {
            self::assertStringContainsString('reconnect window', $lost->getMessage());
        }
        $requests = $this->server->requests();
        self::assertSame(
            ['/api/v1/commands', '/api/v1/commands', '/api/v1/commands', '/api/v1/commands/cmd_1/cancel'],
            array_column($requests, 'path'),
        );
        self::assertCount(1, array_unique(array_column(array_slice($requests, 0, 3), 'body')));
        self::assertSame('{"reason":"the agent lost the server"}', $requests[3]['body']);
    }

    /** A redirect would carry the token to another server: refused, and the other server never hears of it. */
    public function testARedirectIsNotFollowed(): void
    {
        $elsewhere = new FakeServer([['status' => 201, 'body' => self::pending()]]);
        try {
            $this->serve([[
                'status' => 307,
                'raw' => '',
                'headers' => ['Location' => $elsewhere->url() . '/api/v1/commands'],
            ]], true);
            try {
                $this->client()->run('ls');
                self::fail('followed a redirect');
            } catch (ProtocolException $refused) {
                self::assertSame([null, 307], [$refused->getErrorCode(), $refused->getStatusCode()]);
            }
            self::assertCount(1, $this->server->requests());
            self::assertSame([], $elsewhere->requests());
        } finally {
            $elsewhere->stop();
        }
    }

    public function testEndsASession(): void
    {
        $this->serve([['status' => 204, 'raw' => '']]);
        $this->client()->endSession('s-1', 'failed');
        [$request] = $this->server->requests();
        self::assertSame(
            ['POST', '/api/v1/sessions/end', '{"session_id":"s-1","status":"failed"}', 'Bearer ' . self::TOKEN],
            [$request['method'], $request['path'], $request['body'], $request['headers']['authorization']],
        );
    }

    public function testEndingAnUnknownSessionIsRefused(): void
    {
        $this->serve([['status' => 404, 'body' => self::error('not_found', 'no such session')]]);
        try {
            $this->client()->endSession('s-404', 'completed');
            self::fail('ended a session the server does not know');
        } catch (ProtocolException $refused) {
            self::assertSame('not_found', $refused->getErrorCode());
        }
    }

    public function testEndingASessionIsRetriedThroughAnOutage(): void
    {
        $this->serve([['close' => true], ['status' => 503, 'body' => self::error('unavailable', 'down')], ['status' => 204, 'raw' => '']]);
        $this->client()->endSession('s-1', 'completed');
        self::assertCount(3, $this->server->requests());
    }

    /**
     * The wait= of every long-poll, as sent.
     *
     * @param list<array{method: string, path: string, headers: array<string, string>, body: string}> $requests
     * @return list<string>
     */
    private static function waits(array $requests): array
    {
        $waits = [];
        foreach ($requests as $request) {
            if (preg_match('#^/api/v1/commands/cmd_1\?wait=([\d.]+)$#', $request['path'], $m) === 1) {
                $waits[] = $m[1];
            }
        }
        return $waits;
    }

    /** @param list<array<string, mixed>> $steps */
    private function serve(array $steps, bool $repeatLast = false): void
    {
        $this->server = new FakeServer($steps, $repeatLast);
    }

    private function client(float $reconnectTimeout = 5.0): Client
    {
        self::assertNotNull($this->server);
        return new Client(url: $this->server->url(), token: self::TOKEN, reconnectTimeout: $reconnectTimeout);
    }

    /** @return array<string, mixed> */
    private static function pending(): array
    {
        return [
            'id' => 'cmd_1',
            'request_id' => '$request_id',
            'command' => 'ls',
            'status' => 'pending',
            'decision' => null,
            'created_at' => '2026-11-21T10:00:00.000000Z',
            'expires_at' => '2026-11-21T10:10:00.000000Z',
            'escalated_at' => null,
        ];
    }

    /**
     * @param array<string, mixed> $changes to the decision
     * @return array<string, mixed>
     */
    private static function decided(string $state, array $changes = []): array
    {
        $decision = array_merge((array) Vectors::withoutType(Vectors::serverFrame('decision-approved-by-reviewer')), [
            'request_id' => '$request_id',
            'command_id' => 'cmd_1',
            'approved' => $state === 'approved',
            'decision' => $state,
            'command' => 'ls',
            'edited' => false,
        ], $changes);
        return array_merge(self::pending(), ['status' => $state, 'decision' => $decision]);
    }

    /** @return array<string, mixed> */
    private static function error(string $code, string $message): array
    {
        return ['error' => ['code' => $code, 'message' => $message, 'details' => new \stdClass()]];
    }
}
