<?php

declare(strict_types=1);

namespace Expacti\Tests\Support;

/** The live harness's control API (sdk/testing/live_server.py): the reviewer and the proxy. */
final class Control
{
    public function __construct(private readonly string $url)
    {
    }

    /**
     * Wait until `$command` is pending, then approve or deny it; `$edit` approves an edited
     * text. The Command after the decision.
     *
     * @return array<string, mixed>
     */
    public function decide(string $command, string $action, ?string $note = null, ?string $edit = null): array
    {
        return $this->call('POST', '/decide', array_filter(
            ['command' => $command, 'action' => $action, 'note' => $note, 'edit' => $edit],
            static fn (?string $value): bool => $value !== null,
        ));
    }

    /**
     * The newest command with exactly this text, and how many there are; with `$status`,
     * once the newest has it.
     *
     * @return array{command: array<string, mixed>, count: int}
     */
    public function command(string $text, ?string $status = null): array
    {
        $query = ['text' => $text] + ($status === null ? [] : ['status' => $status]);
        return $this->call('GET', '/command?' . http_build_query($query));
    }

    /** Whether any command with exactly this text exists. */
    public function exists(string $text): bool
    {
        try {
            $this->command($text);
            return true;
        } catch (\RuntimeException $missing) {
            if ($missing->getCode() === 404) {
                return false;
            }
            throw $missing;
        }
    }

    /** @return array<string, mixed> the exact-match rule */
    public function whitelist(string $pattern): array
    {
        return $this->call('POST', '/whitelist', ['pattern' => $pattern]);
    }

    /** Reset every connection through the proxy, and refuse new ones for a while. */
    public function cut(float $refuseSeconds): int
    {
        return $this->call('POST', '/cut', ['refuse_seconds' => $refuseSeconds])['cut'];
    }

    /**
     * @param array<string, mixed>|null $body
     * @return array<string, mixed>
     */
    private function call(string $method, string $path, ?array $body = null): array
    {
        $options = ['method' => $method, 'ignore_errors' => true, 'timeout' => 90];
        if ($body !== null) {
            $options['header'] = ['Content-Type: application/json'];
            $options['content'] = json_encode($body, JSON_THROW_ON_ERROR);
        }
        $stream = fopen($this->url . $path, 'rb', false, stream_context_create(['http' => $options]));
        if ($stream === false) {
            throw new \RuntimeException("the control API at {$this->url} is unreachable");
        }
        $status = (int) explode(' ', stream_get_meta_data($stream)['wrapper_data'][0] ?? '')[1];
        $text = (string) stream_get_contents($stream);
        fclose($stream);
        if ($status < 200 || $status >= 300) {
            throw new \RuntimeException("control {$method} {$path}: HTTP {$status} {$text}", $status);
        }
        return json_decode($text, true, 512, JSON_THROW_ON_ERROR);
    }
}
