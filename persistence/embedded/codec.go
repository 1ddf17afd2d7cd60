package embedded

import (
	"fmt"

	json "github.com/goccy/go-json"
)

// encode is json.Marshal with the error put in context. Callers encode before entering a
// transaction where they can, so the write lock is held for puts only.
func encode(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return b, nil
}

// get decodes the value under key into v and reports whether it was there. Decoding copies,
// so v stays valid after the transaction ends (bbolt's bytes do not).
func get(b bkt, key []byte, v any) (bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("decode %T at %q: %w", v, key, err)
	}
	return true, nil
}

// put is one key/value write; putAll applies several, stopping at the first error.
type put struct {
	b    bkt
	k, v []byte
}

func putAll(puts ...put) error {
	for _, p := range puts {
		// bbolt stores a nil value as an empty one, which is all an index entry needs.
		v := p.v
		if v == nil {
			v = []byte{}
		}
		if err := p.b.Put(p.k, v); err != nil {
			return fmt.Errorf("put %q: %w", p.k, err)
		}
	}
	return nil
}
