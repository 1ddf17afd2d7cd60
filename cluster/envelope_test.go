package cluster

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

type ping struct {
	N    int
	Text string
}

func TestCodecRoundTripAndWire(t *testing.T) {
	c := NewCodec()
	c.Register("test.ping", ping{})
	env, err := c.Encode(&ping{N: 7, Text: "olá"})
	if err != nil {
		t.Fatal(err)
	}
	// Through the protobuf wire format, as between nodes.
	wire, err := proto.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	var back anypb.Any
	if err := proto.Unmarshal(wire, &back); err != nil {
		t.Fatal(err)
	}
	v, err := c.Decode(&back)
	if err != nil {
		t.Fatal(err)
	}
	if p := v.(*ping); p.N != 7 || p.Text != "olá" {
		t.Fatalf("decoded %+v", p)
	}
}

func TestCodecUnknownIsAnError(t *testing.T) {
	c := NewCodec()
	if _, err := c.Decode(&anypb.Any{TypeUrl: "switchboard/nope", Value: []byte(`{}`)}); err == nil {
		t.Fatal("unknown type decoded")
	}
	if _, err := c.Decode(&anypb.Any{TypeUrl: "type.googleapis.com/x", Value: nil}); err == nil {
		t.Fatal("foreign envelope decoded")
	}
	if _, err := c.Encode(struct{}{}); err == nil {
		t.Fatal("unregistered type encoded")
	}
	var f *Failure
	err := error(&Failure{Code: FailureMoved})
	if !errors.As(err, &f) || !f.retryable() {
		t.Fatal("moved not retryable")
	}
}
