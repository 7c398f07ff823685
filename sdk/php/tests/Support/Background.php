<?php

declare(strict_types=1);

namespace Expacti\Tests\Support;

/** Control API calls running in a child process (control_steps.php) while the test waits in run(). */
final class Background
{
    /** @var resource */
    private $process;
    /** @var array<int, resource> */
    private array $pipes = [];
    private bool $finished = false;

    /** @param list<array{string, array<string, mixed>}> $steps a Control method and its named arguments */
    public function __construct(string $control, array $steps)
    {
        $plan = json_encode(['control' => $control, 'steps' => $steps], JSON_THROW_ON_ERROR);
        $process = proc_open(
            [PHP_BINARY, __DIR__ . '/control_steps.php', $plan],
            [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $this->pipes,
        );
        if ($process === false) {
            throw new \RuntimeException('cannot start the control steps');
        }
        $this->process = $process;
    }

    /**
     * Wait for the steps to end: their results, in order.
     *
     * @return list<mixed>
     */
    public function finish(): array
    {
        $this->finished = true;
        $output = (string) stream_get_contents($this->pipes[1]);
        $errors = (string) stream_get_contents($this->pipes[2]);
        fclose($this->pipes[1]);
        fclose($this->pipes[2]);
        $status = proc_close($this->process);
        if ($status !== 0) {
            throw new \RuntimeException("the control steps failed ({$status}): {$errors}");
        }
        return json_decode($output, true, 512, JSON_THROW_ON_ERROR);
    }

    /** A test that failed before finish(): stop the steps, which may still be waiting. */
    public function __destruct()
    {
        if (!$this->finished) {
            $this->finished = true;
            proc_terminate($this->process);
            foreach ($this->pipes as $pipe) {
                fclose($pipe);
            }
            proc_close($this->process);
        }
    }
}
