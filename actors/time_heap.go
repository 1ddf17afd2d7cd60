package actors

import "time"

// timed is an entry of a timeHeap: something due at a time.
type timed interface{ when() time.Time }

// timeHeap is a container/heap of entries, earliest first (the sender's waiting lanes, the
// messaging limit's counted customers).
type timeHeap[T timed] []T

func (h timeHeap[T]) Len() int           { return len(h) }
func (h timeHeap[T]) Less(i, j int) bool { return h[i].when().Before(h[j].when()) }
func (h timeHeap[T]) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timeHeap[T]) Push(x any)        { *h = append(*h, x.(T)) }
func (h *timeHeap[T]) Pop() any {
	old := *h
	x := old[len(old)-1]
	var zero T
	old[len(old)-1] = zero // drop the reference for the collector
	*h = old[:len(old)-1]
	return x
}
