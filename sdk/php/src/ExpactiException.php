<?php

declare(strict_types=1);

namespace Expacti;

/**
 * Base class of every error the expacti SDK throws.
 *
 * One tree, so a caller can catch as broadly or as narrowly as it needs:
 *
 *     ExpactiException                 (a \RuntimeException)
 *     ├── CommandDeniedException       a reviewer denied the command, or it was cancelled
 *     ├── CommandTimeoutException      no decision in time: the server's timeout, or the
 *     │                                client's own deadline (the command is then cancelled)
 *     ├── ConnectionException          the server is unreachable, or was lost for longer
 *     │   │                            than the reconnect window or past the deadline
 *     │   └── AuthenticationException  the token was refused (HTTP 401/403); never retried
 *     └── ProtocolException            the server refused the request (getErrorCode()), or
 *                                      answered something the SDK cannot trust
 *
 * None of them ever means "approved": whenever the SDK is in doubt it throws, and the
 * command must not run. A bad argument (a blank command, a timeout out of range) is a
 * programming error, not one of these: \InvalidArgumentException, before anything is sent.
 */
class ExpactiException extends \RuntimeException
{
}
