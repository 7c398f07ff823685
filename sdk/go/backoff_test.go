package expacti

import (
	"testing"
	"time"
)

func TestBackoffDoublesFromATenthOfASecondToTheCeiling(t *testing.T) {
	top := func() float64 { return 1 }
	for failures, want := range map[int]time.Duration{
		0: 0, 1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond,
		6: 3200 * time.Millisecond, 7: 5 * time.Second, 40: 5 * time.Second, 1 << 30: 5 * time.Second,
	} {
		if got := backoffDelay(failures, 5*time.Second, top); got != want {
			t.Fatalf("after %d failures: %v, want %v", failures, got, want)
		}
	}
	if got := backoffDelay(3, 5*time.Second, func() float64 { return 0.5 }); got != 200*time.Millisecond {
		t.Fatalf("full jitter picks within the bound: %v", got)
	}
	for range 100 {
		if got := backoffDelay(4, 5*time.Second, jitter); got < 0 || got >= 800*time.Millisecond {
			t.Fatal(got)
		}
	}
}
