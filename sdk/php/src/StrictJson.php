<?php

declare(strict_types=1);

namespace Expacti;

/**
 * Strict reading of the server's JSON.
 *
 * json_decode() keeps the last of two equal keys, so `{"approved": false, "approved": true}`
 * would read as an approval where another parser reads a denial: such a body is refused,
 * as is nesting deeper than any response of the protocol. Objects decode to \stdClass and
 * arrays to lists, so the two are never confused.
 *
 * @internal
 */
final class StrictJson
{
    public const MAX_DEPTH = 64;

    private const STRUCTURE = '{}[],"';

    /** @throws ProtocolException */
    public static function decode(string $text): mixed
    {
        $problem = self::structureProblem($text);
        if ($problem === null) {
            try {
                return json_decode($text, false, self::MAX_DEPTH + 1, JSON_THROW_ON_ERROR);
            } catch (\JsonException $error) {
                $problem = $error->getMessage();
            }
        }
        throw new ProtocolException("the server sent invalid JSON: {$problem}");
    }

    /**
     * Walks the text once, knowing only where strings and containers start and end;
     * json_decode() afterwards checks everything else.
     */
    private static function structureProblem(string $text): ?string
    {
        $stack = []; // per open container: the keys seen (an object), or null (an array)
        $expectKey = false;
        $length = strlen($text);
        $i = strcspn($text, self::STRUCTURE);
        while ($i < $length) {
            $char = $text[$i];
            if ($char === '"') {
                $end = self::stringEnd($text, $i);
                if ($end === null) {
                    return 'unterminated string';
                }
                $top = array_key_last($stack);
                if ($expectKey && $top !== null && $stack[$top] !== null) {
                    $key = json_decode(substr($text, $i, $end - $i + 1));
                    if (!is_string($key)) {
                        return 'an object key is not a valid string';
                    }
                    if (isset($stack[$top][$key])) {
                        return 'duplicate key ' . json_encode($key, JSON_UNESCAPED_UNICODE);
                    }
                    $stack[$top][$key] = true;
                    $expectKey = false;
                }
                $i = $end;
            } elseif ($char === '{' || $char === '[') {
                if (count($stack) >= self::MAX_DEPTH) {
                    return 'nested deeper than ' . self::MAX_DEPTH . ' levels';
                }
                $stack[] = $char === '{' ? [] : null;
                $expectKey = $char === '{';
            } elseif ($char === '}' || $char === ']') {
                array_pop($stack);
                $expectKey = false;
            } else {
                $top = array_key_last($stack);
                $expectKey = $top !== null && $stack[$top] !== null;
            }
            $i += 1 + strcspn($text, self::STRUCTURE, $i + 1);
        }
        return null;
    }

    /** The offset of the quote that closes the string opening at `$start`, or null. */
    private static function stringEnd(string $text, int $start): ?int
    {
        $length = strlen($text);
        $i = $start + 1;
        while (true) {
            $i += strcspn($text, "\"\\", $i);
            if ($i >= $length) {
                return null;
            }
            if ($text[$i] === '"') {
                return $i;
            }
            $i += 2; // a backslash and the character it escapes
        }
    }
}
