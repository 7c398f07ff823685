<?php

declare(strict_types=1);

namespace Expacti\Tests\Support;

/** The conformance vectors of protocol/vectors, read at test time. */
final class Vectors
{
    public const DIRECTORY = __DIR__ . '/../../../../protocol/vectors';

    /**
     * Server cases with their frame as decoded JSON objects (\stdClass), so `{}` stays an
     * object when a frame is encoded again.
     *
     * @return list<array{name: string, frame: \stdClass, expect: array<string, mixed>}>
     */
    public static function serverCases(): array
    {
        $data = json_decode(self::read('server_frames.json'), false, 512, JSON_THROW_ON_ERROR);
        $cases = [];
        foreach ($data->cases as $case) {
            $cases[] = ['name' => $case->name, 'frame' => $case->frame, 'expect' => (array) $case->expect];
        }
        return $cases;
    }

    /** @return list<array<string, mixed>> */
    public static function clientCases(): array
    {
        return self::load('client_frames.json');
    }

    /** A server case's frame, a copy the caller may change. */
    public static function serverFrame(string $name): \stdClass
    {
        foreach (self::serverCases() as $case) {
            if ($case['name'] === $name) {
                return $case['frame'];
            }
        }
        throw new \LogicException("no server vector {$name}");
    }

    /**
     * The case's frame with `expand` applied (long strings written out).
     *
     * @param array<string, mixed> $case
     * @return array<string, mixed>
     */
    public static function expanded(array $case): array
    {
        $frame = $case['frame'];
        foreach ($case['expand'] ?? [] as $key => $spec) {
            $text = str_repeat($spec['repeat'], $spec['count']);
            $frame[$key] = ($spec['as'] ?? null) === 'object_value' ? ['value' => $text] : $text;
        }
        return $frame;
    }

    /**
     * A server frame as the HTTP binding carries it: the same object without `type`.
     */
    public static function withoutType(\stdClass $frame): \stdClass
    {
        $body = clone $frame;
        unset($body->type);
        return $body;
    }

    /** @return list<array<string, mixed>> */
    private static function load(string $file): array
    {
        return json_decode(self::read($file), true, 512, JSON_THROW_ON_ERROR)['cases'];
    }

    private static function read(string $file): string
    {
        $text = file_get_contents(self::DIRECTORY . '/' . $file);
        if ($text === false) {
            throw new \RuntimeException("cannot read the vectors {$file}");
        }
        return $text;
    }
}
