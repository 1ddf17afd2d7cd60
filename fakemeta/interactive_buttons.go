package fakemeta

import (
	"fmt"

	"github.com/switchboard/switchboard/transport/graph"
)

// checkReplyButtons checks a reply-button message's buttons as Meta does: one to three, each
// of type reply with an id and a label within their limits, no id and no label used twice
// (the user could not tell two equal labels apart, and the webhook could not tell two equal
// ids apart).
func checkReplyButtons(buttons []graph.ReplyButton) *graph.APIError {
	const at = "interactive['action']['buttons']"
	if len(buttons) < minReplyButtons {
		return invalidParam("Param %s must contain at least %d element.", at, minReplyButtons)
	}
	if len(buttons) > maxReplyButtons {
		return invalidParam("Param %s must contain at most %d elements.", at, maxReplyButtons)
	}
	ids, labels := map[string]bool{}, map[string]bool{}
	for i, b := range buttons {
		here := fmt.Sprintf("%s[%d]", at, i)
		if b.Type != "reply" {
			return invalidParam("Param %s['type'] must be one of {REPLY} - got %q.", here, b.Type)
		}
		id, label := b.Reply.ID, b.Reply.Title
		switch {
		case id == "":
			return missingParam(here + "['reply']['id']")
		case runes(id) > maxReplyButtonID:
			return longerThan(here+"['reply']['id']", id, maxReplyButtonID)
		case ids[id]:
			return invalidParam("Param %s['reply']['id'] must be unique among buttons - got %q twice.", here, id)
		case blankText(label):
			return missingParam(here + "['reply']['title']")
		case runes(label) > maxReplyButtonText:
			return longerThan(here+"['reply']['title']", label, maxReplyButtonText)
		case labels[label]:
			return invalidParam("Param %s['reply']['title'] must be unique among buttons - got %q twice.", here, label)
		}
		ids[id], labels[label] = true, true
	}
	return nil
}
