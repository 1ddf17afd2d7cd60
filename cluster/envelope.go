package cluster

import (
	"fmt"
	"reflect"
	"strings"

	json "github.com/goccy/go-json"
	"google.golang.org/protobuf/types/known/anypb"
)

// typeURLPrefix marks our envelopes among protobuf Any values.
const typeURLPrefix = "switchboard/"

// Codec maps registered Go message types to names and back. Every message a grain receives
// or answers must be registered on every node (the actors package registers all of its
// messages in one place).
type Codec struct {
	byName map[string]reflect.Type
	byType map[reflect.Type]string
}

// NewCodec returns a codec knowing only the cluster's own Failure reply.
func NewCodec() *Codec {
	c := &Codec{byName: map[string]reflect.Type{}, byType: map[reflect.Type]string{}}
	c.Register("cluster.Failure", Failure{})
	return c
}

// Register names a message type. sample is a value (not a pointer) of the type.
func (c *Codec) Register(name string, sample any) {
	t := reflect.TypeOf(sample)
	if t.Kind() == reflect.Pointer {
		panic(fmt.Sprintf("cluster: register %s with a value, not a pointer", name))
	}
	if prev, ok := c.byName[name]; ok && prev != t {
		panic(fmt.Sprintf("cluster: message name %s registered twice", name))
	}
	c.byName[name], c.byType[t] = t, name
}

// name returns the registered name of msg's type.
func (c *Codec) name(msg any) (string, bool) {
	t := reflect.TypeOf(msg)
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name, ok := c.byType[t]
	return name, ok
}

func errUnregistered(msg any) error {
	return fmt.Errorf("cluster: encode: type %T is not registered", msg)
}

// Encode wraps msg (a registered value or pointer to one) in an envelope.
func (c *Codec) Encode(msg any) (*anypb.Any, error) {
	name, ok := c.name(msg)
	if !ok {
		return nil, errUnregistered(msg)
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("cluster: encode %s: %w", name, err)
	}
	return &anypb.Any{TypeUrl: typeURLPrefix + name, Value: b}, nil
}

// Decode unwraps an envelope into a pointer to a new value of its registered type. An
// unknown name is an error, not a panic: a node running older code answers it with Failure.
func (c *Codec) Decode(env *anypb.Any) (any, error) {
	name, ok := strings.CutPrefix(env.GetTypeUrl(), typeURLPrefix)
	if !ok {
		return nil, fmt.Errorf("cluster: decode: %q is not a switchboard envelope", env.GetTypeUrl())
	}
	t, ok := c.byName[name]
	if !ok {
		return nil, fmt.Errorf("cluster: decode: unknown message type %q", name)
	}
	v := reflect.New(t)
	if err := json.Unmarshal(env.GetValue(), v.Interface()); err != nil {
		return nil, fmt.Errorf("cluster: decode %s: %w", name, err)
	}
	return v.Interface(), nil
}

// Failure is a grain's error reply. Code is stable (FailureMoved, FailureUnknownType, or a
// domain code of the actors package); callers turn it back into an error.
type Failure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// RetryAfter, when positive, is how many seconds the grain expects the refusal to hold:
	// a limit that frees at a known time (the edge's Retry-After).
	RetryAfter int `json:"retryAfter,omitempty"`
	// Details name the parts of the request at fault, when the refusal is about some of them
	// (the edge's validation details).
	Details []FailureDetail `json:"details,omitempty"`
}

// FailureDetail names one part of a request (a path such as components[0].parameters[1])
// and what is wrong with it.
type FailureDetail struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Failure codes the cluster layer itself answers.
const (
	// FailureMoved: the grain no longer owns its identity (topology changed); retry.
	FailureMoved = "moved"
	// FailureUnknownType: the grain could not decode the request.
	FailureUnknownType = "unknown_type"
	// FailureStopping: the grain is stopping (passivation, fencing); retry.
	FailureStopping = "stopping"
	// FailureExpired: the request reached the grain after its caller's deadline and was not
	// applied (its caller has already returned an error).
	FailureExpired = "expired"
)

func (f *Failure) Error() string { return "cluster: grain failure " + f.Code + ": " + f.Message }

// retryable reports whether a caller should retry the call on a fresh activation.
func (f *Failure) retryable() bool { return f.Code == FailureMoved || f.Code == FailureStopping }
