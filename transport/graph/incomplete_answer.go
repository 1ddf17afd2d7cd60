package graph

import (
	"errors"
	"fmt"
)

// ErrIncompleteAnswer matches (errors.Is) a 2xx answer that decoded but lacks what makes it
// the call's answer: an upload without a media id, a list without "data", a send without a
// wamid. Something other than the Graph edge called answered (a proxy's "{}"), or Meta
// changed the shape; either way taking it as a success would be wrong — an empty media id
// handed to the client, an empty template list removing every template on sync, a message
// recorded as sent that Meta may never have had (a send's caller reconciles instead).
var ErrIncompleteAnswer = errors.New("graph: answer lacks its result")

// incomplete is the error of a call op whose 2xx answer lacked field.
func incomplete(op, field string) error {
	return fmt.Errorf("graph: %s: 2xx answer without %q: %w", op, field, ErrIncompleteAnswer)
}
