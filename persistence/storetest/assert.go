package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// must fails the test now if err is not nil.
func must(t *testing.T, err error, what string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}

// wantErr fails the test unless err wraps target.
func wantErr(t *testing.T, err, target error, what string, args ...any) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", fmt.Sprintf(what, args...), err, target)
	}
}

// wantApplied fails the test unless a conditional write succeeded and applied as want says.
func wantApplied(t *testing.T, applied bool, err error, want bool, what string) {
	t.Helper()
	must(t, err, "%s", what)
	if applied != want {
		t.Fatalf("%s: applied %v, want %v", what, applied, want)
	}
}

// wantEqual compares after normalize, so backends may differ in what the contract leaves
// open: time zone and sub-millisecond precision (MongoDB stores milliseconds), nil versus
// empty byte slices.
func wantEqual[T any](t *testing.T, got, want T, what string, args ...any) {
	t.Helper()
	g, w := normalize(got), normalize(want)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\n got %+v\nwant %+v", fmt.Sprintf(what, args...), g, w)
	}
}

var timeType = reflect.TypeFor[time.Time]()

// normalize returns a deep copy of v with times in UTC truncated to the millisecond and empty
// byte slices nil.
func normalize[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	normalizeValue(rv)
	return v
}

func normalizeValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC().Truncate(time.Millisecond)))
			return
		}
		for i := range v.NumField() {
			normalizeValue(v.Field(i))
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.SetZero()
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		// Copy before normalizing the elements: the caller's slice must stay as it was.
		cp := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(cp, v)
		for i := range cp.Len() {
			normalizeValue(cp.Index(i))
		}
		v.Set(cp)
	}
}

// wantUTC fails unless the store handed the time back in UTC.
func wantUTC(t *testing.T, tm time.Time, what string) {
	t.Helper()
	if tm.Location() != time.UTC {
		t.Fatalf("%s: location %v, want UTC", what, tm.Location())
	}
}
