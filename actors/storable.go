package actors

import (
	"fmt"
	"time"
)

// storable reports whether t can be encoded: JSON times (encoding/json and goccy alike) refuse
// a year outside 0..9999, and a conversation holding one could never be written again.
func storable(t time.Time) bool {
	y := t.Year()
	return y >= 0 && y <= 9999
}

// unstorable names the first record of d whose time no snapshot could encode, or "". The
// webhook edge bounds every time Meta states; this is the grain's own guard, so that a
// delivery that slips past it is refused (and dead-lettered by the processor) instead of
// making the conversation unwritable for ever.
func (d *Deliver) unstorable() string {
	for i := range d.Messages {
		if !storable(d.Messages[i].Timestamp) {
			return fmt.Sprintf("message %s dated %d", d.Messages[i].WAMID, d.Messages[i].Timestamp.Unix())
		}
	}
	for i := range d.Statuses {
		if !storable(d.Statuses[i].Timestamp) {
			return fmt.Sprintf("status %s of %s dated %d", d.Statuses[i].Status, d.Statuses[i].WAMID, d.Statuses[i].Timestamp.Unix())
		}
	}
	for i := range d.Preferences {
		if !storable(d.Preferences[i].Timestamp) {
			return fmt.Sprintf("preference %s dated %d", d.Preferences[i].Value, d.Preferences[i].Timestamp.Unix())
		}
	}
	return ""
}
