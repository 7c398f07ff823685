package expacti

import (
	"errors"
	"reflect"
	"regexp"
	"slices"
	"testing"
)

// The server frame vectors: the valid ones parse to the right type (decisions with
// approved intact), the invalid ones are refused with a *ProtocolError whose Code is "".
func TestServerFrameVectors(t *testing.T) {
	cases := loadVectors(t, "server_frames.json")
	if len(cases) < 40 || !slices.ContainsFunc(cases, func(c vectorCase) bool { return c.Expect["valid"] == false }) {
		t.Fatalf("expected the full set of valid and invalid server vectors, got %d", len(cases))
	}
	for _, vector := range cases {
		t.Run(vector.Name, func(t *testing.T) {
			frame, err := parseServerFrame(vector.Frame)
			if vector.Expect["valid"] != true {
				var invalid *ProtocolError
				if !errors.As(err, &invalid) || invalid.Code != "" {
					t.Fatalf("accepted or refused with the wrong error: %#v, %v", frame, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wire := decodeJSON(t, vector.Frame)
			if frame.frameType() != wire["type"] {
				t.Fatalf("parsed as %s", frame.frameType())
			}
			if approved, ok := vector.Expect["approved"]; ok {
				decision := frame.(*decisionFrame)
				if decision.approved != approved || string(decision.decision) != wire["decision"] {
					t.Fatalf("approved %v, decision %s", decision.approved, decision.decision)
				}
			}
		})
	}
}

// unrepresentable lists the cases whose field types Go's static types already refuse.
var unrepresentable = []string{
	"submit-command-not-a-string",
	"submit-timeout-not-integer",
	"submit-target-not-a-string",
	"submit-session-not-an-object",
	"submit-context-not-an-object",
	"session-end-session-id-not-a-string",
	"session-end-status-not-a-string",
}

// The client frame vectors: every case is accounted for; the builders make exactly the
// vector's frame for every case the server accepts (or refuses for its state), and refuse
// every other one before sending.
func TestClientFrameVectors(t *testing.T) {
	cases := loadVectors(t, "client_frames.json")
	var reachable, encrypted, encryptedOut []string
	for _, vector := range cases {
		reason := outOfReach(vector)
		if reason == "" {
			reachable = append(reachable, vector.Name)
		}
		if regexp.MustCompile(`"encrypted"`).Match(vector.Frame) {
			encrypted = append(encrypted, vector.Name)
		}
		if regexp.MustCompile(`^end-to-end encrypted`).MatchString(reason) {
			encryptedOut = append(encryptedOut, vector.Name)
		}
	}
	if len(reachable) < 35 {
		t.Fatalf("only %d client vectors are buildable", len(reachable))
	}
	if !slices.Equal(encrypted, encryptedOut) {
		t.Fatalf("encrypted cases %v, out of reach as encrypted %v", encrypted, encryptedOut)
	}
	var seenUnrepresentable []string
	for _, vector := range cases {
		if outOfReach(vector) != "" {
			continue
		}
		t.Run(vector.Name, func(t *testing.T) {
			frame := expanded(t, vector)
			code, refusedByServer := vector.Expect["error"].(string)
			built, err := buildVector(frame)
			if !refusedByServer || statefulErrors[code] {
				if err != nil {
					t.Fatal(err)
				}
				if got, want := decodeJSON(t, built), known(frame); !reflect.DeepEqual(got, want) {
					t.Fatalf("built %v, want %v", got, want)
				}
				return
			}
			if errors.Is(err, errUnrepresentable) {
				seenUnrepresentable = append(seenUnrepresentable, vector.Name)
				return
			}
			var invalid *InvalidArgumentError
			if !errors.As(err, &invalid) {
				t.Fatalf("%s must be refused before sending, got %s, %v", code, built, err)
			}
			if code == "command_too_large" && !regexp.MustCompile(`^command is \d+ bytes; the server takes at most 65536$`).MatchString(invalid.Message) {
				t.Fatal(invalid.Message)
			}
			if code == "payload_too_large" && !regexp.MustCompile(`^session and context are \d+ bytes of JSON; the server takes at most 16384$`).MatchString(invalid.Message) {
				t.Fatal(invalid.Message)
			}
		})
	}
	slices.Sort(seenUnrepresentable)
	want := slices.Sorted(slices.Values(unrepresentable))
	if !slices.Equal(seenUnrepresentable, want) {
		t.Fatalf("cases refused by Go's types: %v, want exactly %v", seenUnrepresentable, want)
	}
}
