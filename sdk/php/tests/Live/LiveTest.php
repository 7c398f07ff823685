<?php

declare(strict_types=1);

namespace Expacti\Tests\Live;

use Expacti\AuthenticationException;
use Expacti\Client;
use Expacti\CommandDeniedException;
use Expacti\CommandTimeoutException;
use Expacti\Tests\Support\Background;
use Expacti\Tests\Support\Control;
use PHPUnit\Framework\TestCase;

/**
 * Against the real server, through the harness's cuttable proxy:
 *
 *     ../../.venv/bin/python ../../sdk/testing/live_server.py -- phpunit --testsuite live
 *
 * A human's part is played by the control API, from a child process while run() blocks.
 * Without the harness's environment every test fails: they are never skipped.
 */
final class LiveTest extends TestCase
{
    private const ENVIRONMENT = [
        'EXPACTI_LIVE_HTTP_URL',
        'EXPACTI_LIVE_URL',
        'EXPACTI_LIVE_AGENT_TOKEN',
        'EXPACTI_LIVE_CONTROL',
        'EXPACTI_LIVE_SERVER',
        'EXPACTI_LIVE_REVIEWER_TOKEN',
    ];

    /** @var array<string, string> */
    private array $env = [];
    private Control $control;

    protected function setUp(): void
    {
        foreach (self::ENVIRONMENT as $name) {
            $value = getenv($name);
            if ($value === false || $value === '') {
                self::fail("{$name} is not set: run the live tests under sdk/testing/live_server.py (make test)");
            }
            $this->env[$name] = $value;
        }
        $this->control = new Control($this->env['EXPACTI_LIVE_CONTROL']);
    }

    public function testApproved(): void
    {
        $text = self::unique('approve');
        $reviewer = $this->inBackground([['decide', ['command' => $text, 'action' => 'approve']]]);
        $decision = $this->client()->run($text, target: 'php-live', context: ['test' => 'approve']);
        [$decided] = $reviewer->finish();
        self::assertTrue($decision->approved);
        self::assertSame('approved', $decision->decision);
        self::assertFalse($decision->whitelisted);
        self::assertFalse($decision->edited);
        self::assertSame($decided['id'], $decision->commandId);
        self::assertNotNull($decision->reviewer);
        self::assertSame([$text, $text], [$decision->command, $decision->originalCommand]);
        self::assertSame([$decision->reviewer], $decision->approvers);
        self::assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $decision->requestId);
    }

    public function testAnEditedApprovalRunsTheEdit(): void
    {
        $text = self::unique('edit');
        $edit = self::unique('edited');
        $reviewer = $this->inBackground([['decide', ['command' => $text, 'action' => 'approve', 'edit' => $edit]]]);
        $decision = $this->client()->run($text);
        $reviewer->finish();
        self::assertTrue($decision->approved);
        self::assertTrue($decision->edited);
        self::assertSame($edit, $decision->command);
        self::assertSame($text, $decision->originalCommand);
    }

    public function testDenied(): void
    {
        $text = self::unique('deny');
        $reviewer = $this->inBackground([['decide', ['command' => $text, 'action' => 'deny', 'note' => 'not today']]]);
        try {
            $this->client()->run($text);
            self::fail('a denied command was approved');
        } catch (CommandDeniedException $denied) {
            $reviewer->finish();
            self::assertSame($text, $denied->getCommand());
            self::assertSame('not today', $denied->getNotes());
            self::assertNotNull($denied->getReviewer());
            self::assertFalse($denied->getDecision()->approved);
            self::assertSame('denied', $denied->getDecision()->decision);
        }
    }

    /**
     * Nobody decides within the run's `timeout`. The server's own timeout fires at
     * `expires_at`, before the client's deadline (the timeout plus 5 s of grace), so the
     * timeout error carries the server's `timed_out` decision and the command is no longer
     * pending; the client-side deadline and its cancel are HttpBindingTest's.
     */
    public function testNobodyDecidesInTime(): void
    {
        $text = self::unique('timeout');
        try {
            $this->client()->run($text, timeout: 1);
            self::fail('an undecided command was approved');
        } catch (CommandTimeoutException $timeout) {
            self::assertSame($text, $timeout->getCommand());
            self::assertSame('timed_out', $timeout->getDecision()?->decision);
        }
        $server = $this->control->command($text, 'timed_out');
        self::assertSame($timeout->getCommandId(), $server['command']['id']);
    }

    /** Through the agent WebSocket URL users copy from EXPACTI_URL, mapped to HTTP. */
    public function testAWhitelistedCommandPassesAtOnce(): void
    {
        $text = self::unique('whitelisted');
        $rule = $this->control->whitelist($text);
        $client = new Client(url: $this->env['EXPACTI_LIVE_URL'], token: $this->env['EXPACTI_LIVE_AGENT_TOKEN']);
        $decision = $client->run($text);
        self::assertTrue($decision->approved);
        self::assertTrue($decision->whitelisted);
        self::assertNull($decision->reviewer);
        self::assertSame($rule['id'], $decision->ruleId);
        self::assertSame([], $decision->approvers);
    }

    /**
     * The connection is cut while the client long-polls and refused while a reviewer
     * decides; the client comes back, polls the same command and gets that decision.
     */
    public function testResumesAfterTheConnectionIsCut(): void
    {
        $text = self::unique('resume');
        $choreography = $this->inBackground([
            ['command', ['text' => $text, 'status' => 'pending']],
            ['cut', ['refuseSeconds' => 1.5]],
            ['decide', ['command' => $text, 'action' => 'approve']],
        ]);
        $decision = $this->client()->run($text);
        [$pending, $cut, $decided] = $choreography->finish();
        self::assertGreaterThanOrEqual(1, $cut, 'the long-poll was cut');
        self::assertTrue($decision->approved);
        self::assertSame($pending['command']['id'], $decision->commandId);
        self::assertSame($decided['id'], $decision->commandId);
        $server = $this->control->command($text);
        self::assertSame(1, $server['count'], 'resumed, not submitted again');
    }

    public function testAWrongTokenIsRefusedAtOnce(): void
    {
        $text = self::unique('wrong-token');
        $client = new Client(url: $this->env['EXPACTI_LIVE_HTTP_URL'], token: 'not-a-token-' . bin2hex(random_bytes(8)));
        try {
            $client->run($text);
            self::fail('approved with a wrong token');
        } catch (AuthenticationException $refused) {
            self::assertSame(401, $refused->getStatusCode());
        }
        self::assertFalse($this->control->exists($text));
    }

    /** A session rides along with a submit, then the agent ends it; ending it again is harmless. */
    public function testASessionIsCarriedAndEnded(): void
    {
        $text = self::unique('session');
        $sessionId = 'php-session-' . bin2hex(random_bytes(4));
        $this->control->whitelist($text);
        $session = ['id' => $sessionId, 'goal' => 'show a session', 'steps' => ['look', 'act'], 'current_step' => 1];
        self::assertTrue($this->client()->run($text, session: $session)->approved);
        $stored = $this->control->command($text)['command'];
        self::assertSame($sessionId, $stored['session']['id']);
        $path = '/api/v1/sessions/' . rawurlencode($stored['session_id']);
        self::assertSame('active', $this->serverGet($path)['status']);

        $this->client()->endSession($sessionId, 'completed');
        self::assertSame('completed', $this->serverGet($path)['status']);
        $this->client()->endSession($sessionId, 'completed');
        self::assertSame('completed', $this->serverGet($path)['status']);
    }

    private function client(): Client
    {
        return new Client(url: $this->env['EXPACTI_LIVE_HTTP_URL'], token: $this->env['EXPACTI_LIVE_AGENT_TOKEN']);
    }

    /**
     * Keep the result: a Background that goes out of scope stops its steps.
     *
     * @param list<array{string, array<string, mixed>}> $steps
     */
    private function inBackground(array $steps): Background
    {
        return new Background($this->env['EXPACTI_LIVE_CONTROL'], $steps);
    }

    /**
     * GET from the server itself (not through the proxy), as the org's reviewer.
     *
     * @return array<string, mixed>
     */
    private function serverGet(string $path): array
    {
        $context = stream_context_create(['http' => [
            'ignore_errors' => true,
            'timeout' => 30,
            'header' => ["Authorization: Bearer {$this->env['EXPACTI_LIVE_REVIEWER_TOKEN']}"],
        ]]);
        $text = file_get_contents($this->env['EXPACTI_LIVE_SERVER'] . $path, false, $context);
        $status = $http_response_header[0] ?? '';
        self::assertMatchesRegularExpression('#^HTTP/\S+ 200 #', $status, "GET {$path}: {$status} {$text}");
        return json_decode((string) $text, true, 512, JSON_THROW_ON_ERROR);
    }

    private static function unique(string $what): string
    {
        return "echo php-{$what}-" . bin2hex(random_bytes(6));
    }
}
