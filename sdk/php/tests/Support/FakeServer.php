<?php

declare(strict_types=1);

namespace Expacti\Tests\Support;

/** A scripted HTTP server in a child process (fake_server.php describes the script). */
final class FakeServer
{
    public readonly int $port;
    private readonly string $log;
    /** @var resource */
    private $process;
    /** @var array<int, resource> */
    private array $pipes = [];
    private bool $stopped = false;

    /** @param list<array<string, mixed>> $steps */
    public function __construct(array $steps, bool $repeatLast = false)
    {
        $this->log = (string) tempnam(sys_get_temp_dir(), 'expacti-fake-');
        foreach ($steps as &$step) {
            if (array_key_exists('body', $step)) {
                // Encoded here: the script decodes its scenario into arrays, where {} is lost.
                $step['raw'] = json_encode($step['body'], JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES);
                unset($step['body']);
            }
        }
        unset($step);
        $scenario = json_encode(['steps' => $steps, 'repeat_last' => $repeatLast], JSON_THROW_ON_ERROR);
        $process = proc_open(
            [PHP_BINARY, __DIR__ . '/fake_server.php', $scenario, $this->log],
            [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['file', '/dev/null', 'a']],
            $this->pipes,
        );
        if ($process === false) {
            throw new \RuntimeException('cannot start the fake server');
        }
        $this->process = $process;
        $port = fgets($this->pipes[1]);
        if ($port === false) {
            $this->stop();
            throw new \RuntimeException('the fake server did not start');
        }
        $this->port = (int) $port;
    }

    public function url(): string
    {
        return "http://127.0.0.1:{$this->port}";
    }

    /** @return list<array{method: string, path: string, headers: array<string, string>, body: string}> */
    public function requests(): array
    {
        $lines = array_filter(explode("\n", (string) file_get_contents($this->log)));
        return array_values(array_map(
            static fn (string $line): array => json_decode($line, true, 512, JSON_THROW_ON_ERROR),
            $lines,
        ));
    }

    public function stop(): void
    {
        if ($this->stopped) {
            return;
        }
        $this->stopped = true;
        foreach ($this->pipes as $pipe) {
            fclose($pipe);
        }
        proc_terminate($this->process);
        proc_close($this->process);
        @unlink($this->log);
    }

    public function __destruct()
    {
        $this->stop();
    }
}
