package rest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/router"
	json "github.com/goccy/go-json"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/ratelimit"
	"github.com/switchboard/switchboard/transport/webhook"
)

// openAPIDoc is the part of openapi.json the tests read.
type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas struct {
			ErrorEnvelope struct {
				Properties struct {
					Error struct {
						Properties struct {
							Code struct {
								Enum []string `json:"enum"`
							} `json:"code"`
						} `json:"properties"`
					} `json:"error"`
				} `json:"properties"`
			} `json:"ErrorEnvelope"`
		} `json:"schemas"`
	} `json:"components"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	return doc
}

// Every route the edge serves — its own, /metrics and the webhook edge it mounts, as the
// engine wires them — is described in openapi.json, and everything described is served.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	hook := webhook.NewHandler(nil, "", nil, nil, nil, nil)
	rule := ratelimit.Rule{Name: "test", Limit: 10, Window: time.Minute}
	s := New(Options{Limiter: ratelimit.NewMemory(), RateAPI: rule, RateAuth: rule, RateSend: rule, RateMessageFetch: rule,
		Metrics: edge.NewMetrics(prometheus.NewRegistry()), Gatherer: prometheus.NewRegistry(), Mount: []func(*router.Router){hook.Mount}})
	served := map[string]bool{}
	for method, paths := range s.routes {
		for _, p := range paths {
			served[strings.ToLower(method)+" "+p] = true
		}
	}
	described := map[string]bool{}
	for p, ops := range loadOpenAPI(t).Paths {
		for method := range ops {
			described[method+" "+p] = true
		}
	}
	for r := range served {
		if !described[r] {
			t.Errorf("%s is served but not in openapi.json", r)
		}
	}
	for r := range described {
		if !served[r] {
			t.Errorf("%s is in openapi.json but not served", r)
		}
	}
}

// The error codes openapi.json lists are exactly httpx's.
func TestOpenAPIListsEveryErrorCode(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../httpx/errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	ast.Inspect(f, func(n ast.Node) bool {
		v, ok := n.(*ast.ValueSpec)
		if !ok || len(v.Names) != 1 || !strings.HasPrefix(v.Names[0].Name, "Code") || len(v.Values) != 1 {
			return true
		}
		if lit, ok := v.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			c, _ := strconv.Unquote(lit.Value)
			codes = append(codes, c)
		}
		return true
	})
	listed := loadOpenAPI(t).Components.Schemas.ErrorEnvelope.Properties.Error.Properties.Code.Enum
	slices.Sort(codes)
	slices.Sort(listed)
	if len(codes) == 0 || !slices.Equal(codes, listed) {
		t.Fatalf("httpx codes %v\nopenapi.json lists %v", codes, listed)
	}
}

// Every $ref in openapi.json points at something it defines.
func TestOpenAPIReferencesResolve(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	refs := 0
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				refs++
				var at any = doc
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, ok := at.(map[string]any)
					if !ok || m[part] == nil {
						t.Errorf("%s does not resolve", ref)
						return
					}
					at = m[part]
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if refs == 0 {
		t.Fatal("no $ref found: the walk read nothing")
	}
}

// Every operation that needs a token documents what any such request may get besides its
// own answers: 401 (no valid token), 429 (the per-user limit, or the per-IP limit of
// requests without a valid token) and 503 (the store or the actors unavailable).
func TestOpenAPIAuthedRoutesListCommonAnswers(t *testing.T) {
	var doc struct {
		Security []any `json:"security"`
		Paths    map[string]map[string]struct {
			Security  *[]any                     `json:"security"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			sec := doc.Security
			if op.Security != nil {
				sec = *op.Security
			}
			if len(sec) == 0 || op.Responses == nil {
				continue
			}
			checked++
			for _, code := range []string{"401", "429", "503"} {
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("%s %s needs a token but does not list %s", strings.ToUpper(method), path, code)
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d operations need a token: the test reads openapi.json wrong", checked)
	}
}
