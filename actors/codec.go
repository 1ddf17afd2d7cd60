package actors

import json "github.com/goccy/go-json"

func unmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func marshal(v any) ([]byte, error) { return json.Marshal(v) }
