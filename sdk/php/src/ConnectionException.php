<?php

declare(strict_types=1);

namespace Expacti;

/**
 * The server could not be reached, or was lost (refused, reset, 502/503/504, `unavailable`)
 * for longer than the reconnect window or until the run's deadline.
 */
class ConnectionException extends ExpactiException
{
}
