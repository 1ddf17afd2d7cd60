package fakemeta

// The limits Meta's Cloud API reference sets on interactive messages, as fakemeta enforces
// them. They are written here from Meta's pages (interactive reply buttons messages,
// interactive list messages; Nov 2025 revisions), not taken from graph's constants, so
// that a limit the engine gets wrong is refused here rather than agreed with.
const (
	// Reply buttons: one to three, each with an id Meta echoes in the button_reply webhook
	// and a visible label. Labels must differ from one another, as ids must.
	minReplyButtons    = 1
	maxReplyButtons    = 3
	maxReplyButtonID   = 256
	maxReplyButtonText = 20

	// Lists: one to ten sections holding at most ten rows between them. A section's title
	// may be left out only when it is the only section.
	minListSections     = 1
	maxListSections     = 10
	maxListRowsInTotal  = 10
	maxListSectionTitle = 24
	maxListRowID        = 200
	maxListRowTitle     = 24
	maxListRowDetail    = 72 // a row's description
	maxListOpenerText   = 20 // action.button, the label of the button that opens the list

	// Texts around the action. A list's body may be four times a reply-button message's:
	// Meta's list page gives 4096 where its button page (and the other kinds) give 1024.
	maxInteractiveBodyText = 1024
	maxListBodyText        = 4096
	maxInteractiveHeader   = 60 // a text header
	maxInteractiveFooter   = 60
)
