package expacti

import (
	"math/rand/v2"
	"time"
)

// initialBackoff bounds the first retry delay.
const initialBackoff = 100 * time.Millisecond

// backoffDelay is the pause before the next attempt after failures consecutive failures:
// full jitter, a uniform pick in [0, min(ceiling, 0.1 s * 2^(failures-1))), so clients
// that lost the same server do not all come back at the same instant. No failure yet
// means no pause. random returns a float in [0, 1).
func backoffDelay(failures int, ceiling time.Duration, random func() float64) time.Duration {
	if failures <= 0 {
		return 0
	}
	bound := ceiling
	// Past 2^30 the doubling is far above any ceiling; stopping there cannot overflow.
	if failures <= 31 && initialBackoff<<(failures-1) < ceiling {
		bound = initialBackoff << (failures - 1)
	}
	return time.Duration(random() * float64(bound))
}

// jitter is the random source of backoffDelay.
func jitter() float64 { return rand.Float64() }
