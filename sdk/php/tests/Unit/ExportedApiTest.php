<?php

declare(strict_types=1);

namespace Expacti\Tests\Unit;

use PHPUnit\Framework\TestCase;

/** The public API is every class in src/ not marked @internal; this pins it. */
final class ExportedApiTest extends TestCase
{
    public function testThePublicClasses(): void
    {
        $public = [];
        foreach (glob(dirname(__DIR__, 2) . '/src/*.php') ?: [] as $file) {
            $class = 'Expacti\\' . basename($file, '.php');
            $doc = (string) (new \ReflectionClass($class))->getDocComment();
            if (!str_contains($doc, '@internal')) {
                $public[] = $class;
            }
        }
        sort($public);
        self::assertSame([
            'Expacti\\AuthenticationException',
            'Expacti\\Client',
            'Expacti\\CommandDeniedException',
            'Expacti\\CommandTimeoutException',
            'Expacti\\ConnectionException',
            'Expacti\\Decision',
            'Expacti\\ExpactiException',
            'Expacti\\ProtocolException',
        ], $public);
    }
}
