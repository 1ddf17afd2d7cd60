package persistence

import (
	"math"
	"testing"
)

func TestPageSkipSaturates(t *testing.T) {
	for _, tc := range []struct {
		page Page
		want int
	}{
		{Page{Page: 1, Limit: 20}, 0},
		{Page{Page: 3, Limit: 20}, 40},
		{Page{Page: 0, Limit: 20}, 0},
		{Page{Page: MaxPage, Limit: 100}, (MaxPage - 1) * 100},
		{Page{Page: math.MaxInt, Limit: 20}, math.MaxInt},
		{Page{Page: math.MaxInt/4 + 2, Limit: 4}, math.MaxInt}, // (page-1)*limit wraps to a small number
		{Page{Page: 5, Limit: 0}, 0},
	} {
		if got := tc.page.Skip(); got != tc.want {
			t.Errorf("%+v: skip %d, want %d", tc.page, got, tc.want)
		}
	}
}
