package config

import (
	"crypto/rand"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Setting describes one field of Config, read from its struct tags.
type Setting struct {
	Env     string
	Default string
	Group   string
	Doc     string
	Secret  bool
	field   int
}

// Settings lists every setting in declaration order.
func Settings() []Setting {
	t := reflect.TypeFor[Config]()
	out := make([]Setting, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		env := f.Tag.Get("env")
		if env == "" {
			continue
		}
		out = append(out, Setting{
			Env: env, Default: f.Tag.Get("default"), Group: f.Tag.Get("group"),
			Doc: f.Tag.Get("doc"), Secret: f.Tag.Get("secret") == "true", field: i,
		})
	}
	return out
}

// Lookup reads one environment variable; os.LookupEnv in the binary, a map in tests.
type Lookup func(name string) (string, bool)

// Load builds a Config from the environment: defaults for unset variables, every value
// parsed and validated. Missing secrets are generated in development (each named in the
// returned warnings) and refused in production. The error lists every bad variable at once,
// each with what is wrong, so an operator fixes them in one pass.
func Load(lookup Lookup) (*Config, []string, error) {
	cfg := &Config{}
	v := reflect.ValueOf(cfg).Elem()
	var problems []string
	unparsed := map[string]bool{}
	for _, s := range Settings() {
		raw, set := lookup(s.Env)
		raw = strings.TrimSpace(raw)
		// Set-but-empty keeps its meaning for text settings (ADMIN_ADDR= disables pprof);
		// for numbers, durations and flags an empty value means the default.
		if f := v.Field(s.field); !set || (raw == "" && f.Kind() != reflect.String && f.Kind() != reflect.Slice) {
			raw = s.Default
		}
		if err := assign(v.Field(s.field), raw); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", s.Env, err))
			unparsed[s.Env] = true
		}
	}
	warnings, missing := fillSecrets(cfg, v)
	problems = append(problems, missing...)
	// Validation runs even when some values did not parse, so one pass reports every bad
	// variable; what it says of a variable that did not parse (its zero value) is left out.
	for _, p := range cfg.validate() {
		if env, _, _ := strings.Cut(p, ":"); !unparsed[env] {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return nil, nil, configError(problems)
	}
	return cfg, warnings, nil
}

func configError(problems []string) error {
	return errors.New("invalid configuration:\n  " + strings.Join(problems, "\n  "))
}

// fillSecrets generates each unset secret in development; in production it reports them.
func fillSecrets(cfg *Config, v reflect.Value) (warnings, missing []string) {
	for _, s := range Settings() {
		if !s.Secret {
			continue
		}
		f := v.Field(s.field)
		if !f.IsZero() && !(f.Kind() == reflect.Slice && f.Len() == 0) {
			continue
		}
		if cfg.Production() {
			missing = append(missing, fmt.Sprintf("%s: required when APP_ENV=production", s.Env))
			continue
		}
		secret := randomHex(32) // 64 hex chars: also a valid ENCRYPTION_KEY
		if err := assign(f, secret); err != nil {
			missing = append(missing, fmt.Sprintf("%s: %v", s.Env, err))
			continue
		}
		warnings = append(warnings, fmt.Sprintf(
			"%s is not set: generated a random one (development only; kept in DATA_DIR/"+DevSecretsFile+" for the next run)", s.Env))
	}
	return warnings, missing
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

var durationType = reflect.TypeFor[time.Duration]()

func assign(f reflect.Value, raw string) error {
	if u, ok := f.Addr().Interface().(encoding.TextUnmarshaler); ok {
		if raw == "" {
			return nil
		}
		return u.UnmarshalText([]byte(raw))
	}
	switch {
	case f.Type() == durationType:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("%q is not a duration like 15s or 2m", raw)
		}
		f.SetInt(int64(d))
	case f.Kind() == reflect.String:
		f.SetString(raw)
	case f.Kind() == reflect.Int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		f.SetInt(int64(n))
	case f.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		f.SetBool(b)
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		var items []string
		for item := range strings.SplitSeq(raw, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		f.Set(reflect.ValueOf(items))
	default:
		return fmt.Errorf("unsupported setting type %s", f.Type())
	}
	return nil
}
