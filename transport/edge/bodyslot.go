package edge

import (
	"time"

	"github.com/valyala/fasthttp"
)

// bodySlot is what BodyMemory keeps for one request: the room held for its body, or its
// refusal until the error handler answers it.
type bodySlot struct {
	h          *fasthttp.RequestHeader
	n          int64 // bytes held; 0 for a refusal
	at         time.Time
	refused    bool
	prev, next *bodySlot
}

// slotList lists slots in the order they were made: its head is the oldest.
type slotList struct {
	head, tail *bodySlot
}

func (l *slotList) push(s *bodySlot) {
	s.prev, s.next = l.tail, nil
	if l.tail == nil {
		l.head = s
	} else {
		l.tail.next = s
	}
	l.tail = s
}

func (l *slotList) remove(s *bodySlot) {
	if s.prev == nil {
		l.head = s.next
	} else {
		s.prev.next = s.next
	}
	if s.next == nil {
		l.tail = s.prev
	} else {
		s.next.prev = s.prev
	}
	s.prev, s.next = nil, nil
}
