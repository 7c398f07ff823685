<?php

declare(strict_types=1);

namespace Expacti\Tests\Unit;

use Expacti\ProtocolException;
use Expacti\StrictJson;
use PHPUnit\Framework\TestCase;

final class StrictJsonTest extends TestCase
{
    /** @return iterable<string, array{string}> */
    public static function refused(): iterable
    {
        yield 'a duplicate key' => ['{"type":"decision","approved":false,"approved":true}'];
        yield 'a duplicate key deeper down' => ['{"decision":{"a":1,"b":{"c":1,"c":2}}}'];
        yield 'a duplicate written with an escape' => ['{"approved":false,"\u0061pproved":true}'];
        yield 'a duplicate in the second object of an array' => ['[{"a":1},{"a":1,"a":2}]'];
        yield 'a duplicate after a nested object' => ['{"a":{"x":1},"a":2}'];
        yield 'not JSON' => ['{'];
        yield 'an unterminated string' => ['{"a":"b'];
        yield 'NaN' => ['{"latency_ms":NaN}'];
        yield 'trailing garbage' => ['{"a":1} x'];
        yield 'empty' => [''];
        yield 'nested 65 deep' => [str_repeat('[', 65) . str_repeat(']', 65)];
        yield 'nested objects 65 deep' => [str_repeat('{"x":', 64) . '{}' . str_repeat('}', 64)];
    }

    /** @dataProvider refused */
    public function testRefuses(string $text): void
    {
        $this->expectException(ProtocolException::class);
        $this->expectExceptionMessageMatches('/^the server sent invalid JSON: /');
        StrictJson::decode($text);
    }

    public function testNamesTheDuplicateKey(): void
    {
        $this->expectExceptionMessage('duplicate key "approved"');
        StrictJson::decode('{"approved":false,"approved":true}');
    }

    public function testTellsKeysWithEscapedQuotesApart(): void
    {
        $value = StrictJson::decode('{"a\"b":1,"a":2,"nonce":"n"}');
        self::assertEquals((object) ['a"b' => 1, 'a' => 2, 'nonce' => 'n'], $value);
    }

    public function testIsNotFooledByStructureInsideStrings(): void
    {
        $text = '{"k":"{\"k\":1,","k2":["a,\"b\\\\",{"k":"}"}],"k3":"\\\\"}';
        $value = StrictJson::decode($text);
        self::assertSame('{"k":1,', $value->k);
        self::assertSame('}', $value->k2[1]->k);
        self::assertSame('\\', $value->k3);
    }

    public function testSameKeysInSiblingObjectsAreFine(): void
    {
        $value = StrictJson::decode('{"a":{"id":1},"b":{"id":2},"c":[{"id":3},{"id":4}]}');
        self::assertSame(4, $value->c[1]->id);
    }

    public function testObjectsStayObjectsAndArraysLists(): void
    {
        $value = StrictJson::decode('{"o":{},"l":[]}');
        self::assertInstanceOf(\stdClass::class, $value->o);
        self::assertSame([], $value->l);
    }

    public function testNestingUpToTheLimitIsFine(): void
    {
        self::assertIsArray(StrictJson::decode(str_repeat('[', 64) . str_repeat(']', 64)));
    }
}
