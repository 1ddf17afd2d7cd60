package fakemeta

import (
	"fmt"

	"github.com/switchboard/switchboard/transport/graph"
)

// checkList checks a list message's action as Meta does: the label of the button that opens
// the list, one to ten sections (titled when there are several), each with rows, at most ten
// rows in all, every row with a unique id and a title, all within their limits.
func checkList(a graph.InteractiveAction) *graph.APIError {
	const at = "interactive['action']"
	if blankText(a.Button) {
		return missingParam(at + "['button']")
	}
	if e := longerThan(at+"['button']", a.Button, maxListOpenerText); e != nil {
		return e
	}
	sections := at + "['sections']"
	if len(a.Sections) < minListSections {
		return invalidParam("Param %s must contain at least %d element.", sections, minListSections)
	}
	if len(a.Sections) > maxListSections {
		return invalidParam("Param %s must contain at most %d elements.", sections, maxListSections)
	}
	total := 0
	for _, s := range a.Sections {
		total += len(s.Rows)
	}
	if total > maxListRowsInTotal {
		return invalidParam("Param %s must contain at most %d rows in total - got %d.", sections, maxListRowsInTotal, total)
	}
	seen := map[string]bool{}
	for i, s := range a.Sections {
		if e := checkListSection(fmt.Sprintf("%s[%d]", sections, i), s, len(a.Sections) > 1, seen); e != nil {
			return e
		}
	}
	return nil
}

// checkListSection checks one section and its rows; seen holds the row ids of the sections
// before it, as ids must be unique across the whole list (the list_reply webhook names the
// row by its id alone).
func checkListSection(at string, s graph.ListSection, titled bool, seen map[string]bool) *graph.APIError {
	if titled && blankText(s.Title) {
		return invalidParam("Param %s['title'] is required when there is more than one section.", at)
	}
	if e := longerThan(at+"['title']", s.Title, maxListSectionTitle); e != nil {
		return e
	}
	if len(s.Rows) == 0 {
		return invalidParam("Param %s['rows'] must contain at least 1 element.", at)
	}
	for j, r := range s.Rows {
		row := fmt.Sprintf("%s['rows'][%d]", at, j)
		switch {
		case r.ID == "":
			return missingParam(row + "['id']")
		case runes(r.ID) > maxListRowID:
			return longerThan(row+"['id']", r.ID, maxListRowID)
		case seen[r.ID]:
			return invalidParam("Param %s['id'] must be unique among rows - got %q twice.", row, r.ID)
		case blankText(r.Title):
			return missingParam(row + "['title']")
		case runes(r.Title) > maxListRowTitle:
			return longerThan(row+"['title']", r.Title, maxListRowTitle)
		case runes(r.Description) > maxListRowDetail:
			return longerThan(row+"['description']", r.Description, maxListRowDetail)
		}
		seen[r.ID] = true
	}
	return nil
}
