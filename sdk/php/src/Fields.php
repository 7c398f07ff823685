<?php

declare(strict_types=1);

namespace Expacti;

/**
 * Typed access to one JSON object's fields; every failure is a ProtocolException.
 *
 * `what` names the object in messages ("decision"). A field read with a fallback may be
 * absent; present, it must have the right type (a null where a value is promised is
 * invalid). Booleans are never numbers and numbers never strings.
 *
 * @internal
 */
final class Fields
{
    private const TIMESTAMP =
        '/^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/';

    private function __construct(private readonly \stdClass $object, private readonly string $what)
    {
    }

    /** The fields of `$value`, which must be a JSON object. */
    public static function of(mixed $value, string $what): self
    {
        if (!$value instanceof \stdClass) {
            throw new ProtocolException("the server sent an invalid {$what}: not a JSON object");
        }
        return new self($value, $what);
    }

    /**
     * Whether `$text` is blank as the server sees it (Python's str.isspace): Unicode
     * whitespace, including the separators U+001C-U+001F and U+0085.
     */
    public static function blank(string $text): bool
    {
        return preg_match('/^[\s\p{Z}\x{1c}-\x{1f}\x{85}]*$/u', $text) === 1;
    }

    public function invalid(string $problem): ProtocolException
    {
        return new ProtocolException("the server sent an invalid {$this->what}: {$problem}");
    }

    public function has(string $key): bool
    {
        return property_exists($this->object, $key);
    }

    public function text(string $key): string
    {
        $value = $this->get($key);
        if (!is_string($value)) {
            throw $this->invalid("{$key}: expected a string");
        }
        return $value;
    }

    /** A string or null; `$required`: the field must be present, even if null. */
    public function optText(string $key, bool $required = false): ?string
    {
        if (!$required && !$this->has($key)) {
            return null;
        }
        $value = $this->get($key);
        if ($value !== null && !is_string($value)) {
            throw $this->invalid("{$key}: expected a string or null");
        }
        return $value;
    }

    public function flag(string $key, ?bool $fallback = null): bool
    {
        if ($fallback !== null && !$this->has($key)) {
            return $fallback;
        }
        $value = $this->get($key);
        if (!is_bool($value)) {
            throw $this->invalid("{$key}: expected a boolean");
        }
        return $value;
    }

    public function integer(string $key, int $low, int $high): int
    {
        $value = $this->get($key);
        if (!is_int($value) || $value < $low || $value > $high) {
            throw $this->invalid("{$key}: expected an integer from {$low} to {$high}");
        }
        return $value;
    }

    /** A finite number >= 0. */
    public function number(string $key): float
    {
        $value = $this->get($key);
        if (!(is_int($value) || is_float($value)) || !is_finite((float) $value) || $value < 0) {
            throw $this->invalid("{$key}: expected a non-negative number");
        }
        return (float) $value;
    }

    /** @return list<string> */
    public function textList(string $key, ?array $fallback = null): array
    {
        if ($fallback !== null && !$this->has($key)) {
            return $fallback;
        }
        $value = $this->get($key);
        if (!is_array($value)) {
            throw $this->invalid("{$key}: expected an array of strings");
        }
        foreach ($value as $item) {
            if (!is_string($item)) {
                throw $this->invalid("{$key}: expected an array of strings");
            }
        }
        return $value;
    }

    /** A JSON object, or null when absent or null. */
    public function optObject(string $key): ?\stdClass
    {
        $value = $this->has($key) ? $this->object->{$key} : null;
        if ($value !== null && !$value instanceof \stdClass) {
            throw $this->invalid("{$key}: expected an object");
        }
        return $value;
    }

    /** An ISO 8601 timestamp with a time zone, as Unix seconds (microseconds kept). */
    public function timestamp(string $key): float
    {
        $text = $this->text($key);
        $moment = null;
        if (preg_match(self::TIMESTAMP, $text, $m) === 1) {
            $fraction = substr(str_pad($m[4] ?? '', 6, '0'), 0, 6);
            $zone = $m[5] === 'Z' ? '+00:00' : $m[5];
            $normal = sprintf('%sT%s:%s.%s%s', $m[1], $m[2], $m[3] !== '' ? $m[3] : '00', $fraction, $zone);
            $moment = \DateTimeImmutable::createFromFormat('Y-m-d\TH:i:s.uP', $normal);
            $errors = \DateTimeImmutable::getLastErrors();
            if ($errors !== false && ($errors['warning_count'] > 0 || $errors['error_count'] > 0)) {
                $moment = false; // a day or hour out of range, which PHP would roll over
            }
        }
        if (!$moment instanceof \DateTimeImmutable) {
            throw $this->invalid("{$key}: expected an ISO 8601 timestamp with a time zone");
        }
        return (float) $moment->format('U.u');
    }

    public function optTimestamp(string $key): ?float
    {
        if (!$this->has($key) || $this->object->{$key} === null) {
            return null;
        }
        return $this->timestamp($key);
    }

    private function get(string $key): mixed
    {
        if (!$this->has($key)) {
            throw $this->invalid("{$key}: required field missing");
        }
        return $this->object->{$key};
    }
}
