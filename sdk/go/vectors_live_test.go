//go:build live

package expacti

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"testing"

	"github.com/coder/websocket"
)

// The client vectors the SDK builds, sent to the real server in file order on one raw
// connection of an organisation without whitelist rules: the server answers each as the
// vector says. With TestClientFrameVectors this pins that what the SDK sends is what the
// protocol means.
func TestLiveClientFrameVectors(t *testing.T) {
	env := live(t)
	ctx := context.Background()
	header := http.Header{"Authorization": {"Bearer " + env.vectorsToken}}
	ws, _, err := websocket.Dial(ctx, env.url, &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(maxIncomingFrameBytes)
	next := func() map[string]any {
		t.Helper()
		readCtx, cancel := context.WithTimeout(ctx, waitLimit)
		defer cancel()
		_, data, err := ws.Read(readCtx)
		if err != nil {
			t.Fatal(err)
		}
		var frame map[string]any
		if err := json.Unmarshal(data, &frame); err != nil {
			t.Fatal(err)
		}
		return frame
	}
	send := func(frame []byte) {
		t.Helper()
		if err := ws.Write(ctx, websocket.MessageText, frame); err != nil {
			t.Fatal(err)
		}
	}
	if hello := next(); hello["type"] != "hello" {
		t.Fatal(hello)
	}
	var sendable []vectorCase
	types := map[string]bool{}
	for _, vector := range loadVectors(t, "client_frames.json") {
		code, refused := vector.Expect["error"].(string)
		if outOfReach(vector) == "" && (!refused || statefulErrors[code]) {
			sendable = append(sendable, vector)
			types[decodeJSON(t, vector.Frame)["type"].(string)] = true
		}
	}
	if kinds := slices.Sorted(func(yield func(string) bool) {
		for kind := range types {
			if !yield(kind) {
				return
			}
		}
	}); !slices.Equal(kinds, []string{"cancel", "session_end", "submit"}) {
		t.Fatalf("the replay covers %v", kinds)
	}
	// In file order: later cases rely on earlier ones (a reused request_id, a cancel).
	for _, vector := range sendable {
		frame := expanded(t, vector)
		built, err := buildVector(frame)
		if err != nil {
			t.Fatalf("%s: %v", vector.Name, err)
		}
		send(built)
		if code, ok := vector.Expect["error"]; ok {
			reply := next()
			if reply["type"] != "error" || reply["code"] != code {
				t.Fatalf("%s: %v", vector.Name, reply)
			}
			if id, has := frame["request_id"]; has && reply["request_id"] != id {
				t.Fatalf("%s: %v", vector.Name, reply)
			}
			continue
		}
		if vector.Expect["reply"] == nil {
			ping, _ := json.Marshal(map[string]any{"type": "ping", "nonce": "after-" + vector.Name})
			send(ping)
			if reply := next(); !reflect.DeepEqual(reply, map[string]any{"type": "pong", "nonce": "after-" + vector.Name}) {
				t.Fatalf("%s: %v", vector.Name, reply)
			}
			continue
		}
		if reply := next(); reply["type"] != vector.Expect["reply"] {
			t.Fatalf("%s: %v", vector.Name, reply)
		}
	}
	t.Logf("%d vectors replayed against the real server", len(sendable))
}
