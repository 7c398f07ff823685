package expacti

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Deeper than any frame of the protocol; refused before the decoder has to follow it.
const maxJSONDepth = 64

// parseStrictJSON parses one JSON value, refusing duplicate keys, nesting deeper than 64
// levels and anything after the value.
//
// `{"approved": false, "approved": true}` means different things to different parsers
// (encoding/json keeps the last), so a gate must refuse it. Numbers stay json.Number, so
// integer fields are checked on the text the server sent.
func parseStrictJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	value, err := readJSONValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return value, nil
}

func readJSONValue(dec *json.Decoder, depth int) (any, error) {
	token, err := dec.Token()
	if err != nil {
		return nil, err
	}
	delim, isDelim := token.(json.Delim)
	if !isDelim {
		return token, nil
	}
	if depth >= maxJSONDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	if delim == '[' {
		list := []any{}
		for dec.More() {
			item, err := readJSONValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			list = append(list, item)
		}
		_, err := dec.Token()
		return list, err
	}
	obj := map[string]any{}
	for dec.More() {
		token, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := token.(string) // the decoder only hands strings as keys
		if _, seen := obj[key]; seen {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		value, err := readJSONValue(dec, depth+1)
		if err != nil {
			return nil, err
		}
		obj[key] = value
	}
	_, err = dec.Token()
	return obj, err
}
