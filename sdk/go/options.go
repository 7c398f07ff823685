package expacti

import (
	"crypto/tls"
	"log/slog"
	"math"
	"net/url"
	"time"
)

// Options configure New. URL and Token are required; zero durations take the defaults.
type Options struct {
	// URL is the agent WebSocket, e.g. ws://localhost:3001/shell/ws (wss:// in production).
	URL string
	// Token is the agent token; sent only as `Authorization: Bearer`, never in the URL.
	Token string
	// ConnectTimeout bounds one connection attempt, handshake and hello (default 10 s).
	ConnectTimeout time.Duration
	// ReconnectTimeout is how long to keep trying to (re)connect before the waiting runs
	// fail with *ConnectionError (default 60 s).
	ReconnectTimeout time.Duration
	// MaxBackoff is the longest pause between two connection attempts (default 5 s).
	MaxBackoff time.Duration
	// TLSConfig for wss:// URLs, e.g. a private CA; nil uses the system's roots.
	TLSConfig *tls.Config
	// Logger receives warnings the SDK cannot return (an error frame about no request);
	// nil discards them. The token is never logged.
	Logger *slog.Logger
}

const (
	defaultConnectTimeout   = 10 * time.Second
	defaultReconnectTimeout = 60 * time.Second
	defaultMaxBackoff       = 5 * time.Second
)

// withDefaults checks the options and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	if err := checkURL(o.URL); err != nil {
		return o, err
	}
	if !validToken(o.Token) {
		return o, invalidArgument("the token must be non-empty printable ASCII without spaces")
	}
	for _, d := range []struct {
		name  string
		value *time.Duration
		def   time.Duration
	}{
		{"ConnectTimeout", &o.ConnectTimeout, defaultConnectTimeout},
		{"ReconnectTimeout", &o.ReconnectTimeout, defaultReconnectTimeout},
		{"MaxBackoff", &o.MaxBackoff, defaultMaxBackoff},
	} {
		if *d.value < 0 {
			return o, invalidArgument("%s must not be negative", d.name)
		}
		if *d.value == 0 {
			*d.value = d.def
		}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// checkURL refuses anything but a ws:// or wss:// URL. Its errors never repeat the URL: a
// mistyped one may carry a token, and errors end up in logs.
func checkURL(raw string) error {
	const expected = "expected a ws:// or wss:// URL of /shell/ws"
	parsed, err := url.Parse(raw)
	if err != nil {
		return invalidArgument("%s; the URL given does not parse", expected) // err quotes it
	}
	if parsed.User != nil {
		return invalidArgument("the URL must not carry credentials; pass the token in Options.Token")
	}
	if parsed.RawQuery != "" || parsed.ForceQuery || parsed.Fragment != "" {
		return invalidArgument("the URL must not carry a query string or fragment (the agent socket takes none); pass the token in Options.Token")
	}
	if (parsed.Scheme != "ws" && parsed.Scheme != "wss") || parsed.Host == "" {
		return invalidArgument("%s, got scheme %q and host %q", expected, parsed.Scheme, parsed.Host)
	}
	return nil
}

func validToken(token string) bool {
	for i := 0; i < len(token); i++ {
		if token[i] < 0x21 || token[i] > 0x7e {
			return false
		}
	}
	return token != ""
}

// Session says what the agent is working on; reviewers see it beside the command.
type Session struct {
	// ID is the agent's own name for the session, 1-128 characters.
	ID string
	// Goal is what the session is for; "" leaves it out.
	Goal string
	// Steps are the plan, in order; nil leaves them out.
	Steps []string
	// CurrentStep is the 0-based index into Steps of the step in progress; nil leaves it
	// out. Session.At sets it.
	CurrentStep *int
}

// At is the session with step (a 0-based index into Steps) as the one in progress.
func (s Session) At(step int) Session {
	s.CurrentStep = &step
	return s
}

// SessionStatus is how a session ended, for EndSession.
type SessionStatus string

// How a session ended: the agent reached its goal, or gave up.
const (
	SessionCompleted SessionStatus = "completed"
	SessionFailed    SessionStatus = "failed"
)

// RunOption is an option of Run: WithTarget, WithTimeout, WithContext, WithSession,
// WithProgress.
type RunOption func(*runConfig)

type runConfig struct {
	target     string
	timeout    time.Duration
	hasTimeout bool
	context    map[string]any
	session    *Session
	onProgress func(Progress)
}

// WithTarget names the host, cluster or environment the command is for (at most 255
// characters); whitelist rules can be scoped to it.
func WithTarget(target string) RunOption {
	return func(c *runConfig) { c.target = target }
}

// WithTimeout is how long a human has to decide, more than 0 and at most 600 s; the
// server gets it in whole seconds (rounded up) and applies its own ceiling. Without it,
// the organisation's policy from the server's hello applies.
func WithTimeout(timeout time.Duration) RunOption {
	return func(c *runConfig) {
		c.timeout = timeout
		c.hasTimeout = true
	}
}

// WithContext attaches free-form JSON shown to reviewers, e.g. {"ticket": "OPS-7"}.
func WithContext(context map[string]any) RunOption {
	return func(c *runConfig) { c.context = context }
}

// WithSession says which session (goal, steps) the command belongs to.
func WithSession(session Session) RunOption {
	return func(c *runConfig) { c.session = &session }
}

// WithProgress is called, on Run's goroutine, after each partial approval of a command
// that needs several, and when it is escalated.
func WithProgress(onProgress func(Progress)) RunOption {
	return func(c *runConfig) { c.onProgress = onProgress }
}

// timeoutSeconds is the timeout as the submit frame carries it: whole seconds, rounded up.
func (c *runConfig) timeoutSeconds() (*int, error) {
	if !c.hasTimeout {
		return nil, nil
	}
	if c.timeout <= 0 || c.timeout > maxTimeoutSeconds*time.Second {
		return nil, invalidArgument("timeout must be more than 0 and at most %d s, not %v", maxTimeoutSeconds, c.timeout)
	}
	seconds := int(math.Ceil(c.timeout.Seconds()))
	return &seconds, nil
}
