package expacti

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var timestampPattern = regexp.MustCompile(
	`^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$`)

// fields gives typed access to one JSON object of a server frame.
//
// The first problem sticks in err and every later read returns a zero value, so a parser
// reads all its fields and checks err once. A field read with a fallback may be absent;
// present, it must have the right type (a null where a value is promised is invalid).
type fields struct {
	obj       map[string]any
	what      string
	requestID string
	err       *ProtocolError
}

func (f *fields) invalid(format string, args ...any) {
	if f.err == nil {
		f.err = &ProtocolError{
			Message:   fmt.Sprintf("the server sent an invalid %s: %s", f.what, fmt.Sprintf(format, args...)),
			RequestID: f.requestID,
		}
	}
}

func (f *fields) get(key string, required bool) (any, bool) {
	value, present := f.obj[key]
	if required && !present {
		f.invalid("%s: required field missing", key)
	}
	return value, present
}

func (f *fields) text(key string) string {
	value, present := f.get(key, true)
	text, ok := value.(string)
	if present && !ok {
		f.invalid("%s: expected a string", key)
	}
	return text
}

// optText is a string or null (nil); required: the key must be there, even if null.
func (f *fields) optText(key string, required bool) *string {
	value, _ := f.get(key, required)
	if value == nil {
		return nil
	}
	text, ok := value.(string)
	if !ok {
		f.invalid("%s: expected a string or null", key)
		return nil
	}
	return &text
}

// flag is a boolean; absent, it is fallback if one is given, else invalid.
func (f *fields) flag(key string, fallback ...bool) bool {
	value, present := f.obj[key]
	if !present && len(fallback) > 0 {
		return fallback[0]
	}
	if _, ok := f.get(key, true); !ok {
		return false
	}
	result, ok := value.(bool)
	if !ok {
		f.invalid("%s: expected a boolean", key)
	}
	return result
}

func (f *fields) integer(key string, low, high int64) int64 {
	value, present := f.get(key, true)
	if !present {
		return 0
	}
	number, ok := integral(value)
	if !ok || number < low || number > high {
		f.invalid("%s: expected an integer from %d to %d", key, low, high)
		return 0
	}
	return number
}

// integral is a JSON number without a fraction (1.0 counts, as in JavaScript), within the
// range where float64 is exact.
func integral(value any) (int64, bool) {
	number, ok := value.(json.Number)
	if !ok {
		return 0, false
	}
	parsed, err := strconv.ParseFloat(string(number), 64)
	if err != nil || parsed != math.Trunc(parsed) || math.Abs(parsed) > maxSeq {
		return 0, false
	}
	return int64(parsed), true
}

func (f *fields) number(key string) float64 {
	value, present := f.get(key, true)
	if !present {
		return 0
	}
	number, ok := value.(json.Number)
	parsed, err := strconv.ParseFloat(string(number), 64)
	if !ok || err != nil || math.IsInf(parsed, 0) || parsed < 0 {
		f.invalid("%s: expected a non-negative number", key)
		return 0
	}
	return parsed
}

// mapping is an object; absent or null, an empty one.
func (f *fields) mapping(key string) map[string]any {
	value := f.obj[key]
	if value == nil {
		return map[string]any{}
	}
	obj, ok := value.(map[string]any)
	if !ok {
		f.invalid("%s: expected an object", key)
		return map[string]any{}
	}
	return obj
}

// textList is an array of strings; absent, fallback if one is given, else invalid.
func (f *fields) textList(key string, fallback ...[]string) []string {
	value, present := f.obj[key]
	if !present && len(fallback) > 0 {
		return fallback[0]
	}
	if _, ok := f.get(key, true); !ok {
		return nil
	}
	items, ok := value.([]any)
	list := make([]string, 0, len(items))
	for _, item := range items {
		text, isText := item.(string)
		ok = ok && isText
		list = append(list, text)
	}
	if !ok {
		f.invalid("%s: expected an array of strings", key)
		return nil
	}
	return list
}

// timestamp is an ISO 8601 date and time with a zone; the server's clock, never the
// client's deadline.
func (f *fields) timestamp(key string) time.Time {
	text := f.text(key)
	if f.err != nil {
		return time.Time{}
	}
	parts := timestampPattern.FindStringSubmatch(text)
	var moment time.Time
	err := fmt.Errorf("no match")
	if parts != nil {
		seconds := parts[3]
		if seconds == "" {
			seconds = ":00"
		}
		zone := parts[4]
		if zone != "Z" && !strings.Contains(zone, ":") {
			zone = zone[:3] + ":" + zone[3:]
		}
		moment, err = time.Parse(time.RFC3339Nano, parts[1]+"T"+parts[2]+seconds+zone)
	}
	if err != nil {
		f.invalid("%s: expected an ISO 8601 timestamp with a time zone", key)
	}
	return moment
}
