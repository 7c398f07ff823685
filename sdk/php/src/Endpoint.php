<?php

declare(strict_types=1);

namespace Expacti;

/**
 * The server's HTTP base URL, from what the caller gave: `http(s)://host[:port]`, or the
 * agent WebSocket URL `ws(s)://host[:port]/shell/ws` (users copy EXPACTI_URL), which maps
 * to `http(s)://host[:port]`. A server mounted under a path prefix keeps it.
 *
 * @internal
 */
final class Endpoint
{
    private const SCHEMES = ['http' => 'http', 'https' => 'https', 'ws' => 'http', 'wss' => 'https'];
    private const SOCKET_PATH = '/shell/ws';

    /** @throws \InvalidArgumentException */
    public static function baseUrl(string $url): string
    {
        $parts = parse_url($url);
        $scheme = strtolower((string) ($parts['scheme'] ?? ''));
        if ($parts === false || !isset(self::SCHEMES[$scheme]) || ($parts['host'] ?? '') === '') {
            throw new \InvalidArgumentException(
                'url must be http(s)://host[:port] or the agent WebSocket ws(s)://host[:port]/shell/ws',
            );
        }
        if (isset($parts['user']) || isset($parts['pass']) || isset($parts['query']) || isset($parts['fragment'])) {
            // Credentials belong in the token (URLs end up in logs); queries mean a typo.
            throw new \InvalidArgumentException('url must not carry credentials, a query or a fragment');
        }
        $path = rtrim($parts['path'] ?? '', '/');
        $socket = str_ends_with($path, self::SOCKET_PATH);
        if (($scheme === 'ws' || $scheme === 'wss') && !$socket) {
            throw new \InvalidArgumentException('a ws(s):// url must be the agent WebSocket, ending in /shell/ws');
        }
        if ($socket) {
            $path = substr($path, 0, -strlen(self::SOCKET_PATH));
        }
        $port = isset($parts['port']) ? ':' . $parts['port'] : '';
        return self::SCHEMES[$scheme] . '://' . $parts['host'] . $port . $path;
    }
}
