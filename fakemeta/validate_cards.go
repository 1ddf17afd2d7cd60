package fakemeta

import (
	"regexp"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/transport/graph"
)

// The engine sends no location or contact cards, so graph has no types for them; fakemeta
// reads what Meta requires of them itself, so a client that sends one meets Meta's refusal
// here rather than at Meta.

// locationProbe is a location message's object: latitude and longitude are required, as
// numbers (a numeric string is taken too, as Graph coerces it).
type locationProbe struct {
	Latitude  json.RawMessage `json:"latitude"`
	Longitude json.RawMessage `json:"longitude"`
}

// contactProbe is one contact card: its name's formatted_name is required.
type contactProbe struct {
	Name *struct {
		FormattedName string `json:"formatted_name"`
	} `json:"name"`
}

// bsuidPattern is a business-scoped user id: a two-letter country, a dot, up to 128
// letters and digits (WHATSAPP.md §1.5: US.13491208655302741918).
var bsuidPattern = regexp.MustCompile(`^[A-Z]{2}\.[A-Za-z0-9]{1,128}$`)

func validateLocation(l *locationProbe) *graph.APIError {
	if l == nil {
		return invalidParam("The parameter location is required.")
	}
	for _, c := range []struct {
		name  string
		raw   json.RawMessage
		bound float64
	}{{"latitude", l.Latitude, 90}, {"longitude", l.Longitude, 180}} {
		v := strings.Trim(string(c.raw), `"`)
		if v == "" || v == "null" {
			return invalidParam("The parameter location['%s'] is required.", c.name)
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < -c.bound || f > c.bound {
			return invalidParam("Param location['%s'] must be between %g and %g - got %s.", c.name, -c.bound, c.bound, v)
		}
	}
	return nil
}

func validateContacts(cards []contactProbe) *graph.APIError {
	if len(cards) == 0 {
		return invalidParam("The parameter contacts is required.")
	}
	for i, c := range cards {
		if c.Name == nil || strings.TrimSpace(c.Name.FormattedName) == "" {
			return invalidParam("The parameter contacts[%d]['name']['formatted_name'] is required.", i)
		}
	}
	return nil
}
