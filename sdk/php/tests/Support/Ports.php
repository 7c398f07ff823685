<?php

declare(strict_types=1);

namespace Expacti\Tests\Support;

final class Ports
{
    /** A loopback port nothing listens on: bound by the system, then released. */
    public static function closed(): int
    {
        $server = stream_socket_server('tcp://127.0.0.1:0', $code, $message);
        if ($server === false) {
            throw new \RuntimeException("cannot bind a loopback port: {$message}");
        }
        $name = (string) stream_socket_get_name($server, false);
        fclose($server);
        return (int) substr($name, strrpos($name, ':') + 1);
    }
}
