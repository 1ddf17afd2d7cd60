package config

import (
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// composeService is the part of a docker-compose.yml service that configures the engine.
type composeService struct {
	Environment map[string]yaml.Node `yaml:"environment"`
	Command     []string             `yaml:"command"`
	Entrypoint  []string             `yaml:"entrypoint"`
}

// readCompose reads the repository's docker-compose.yml, merge keys and anchors resolved.
func readCompose(t *testing.T) map[string]composeService {
	t.Helper()
	raw, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return doc.Services
}

// imageEnv is the ENV the Dockerfile sets, which every engine container starts with.
func imageEnv(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for line := range strings.Lines(string(raw)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "ENV "); ok {
			for kv := range strings.FieldsSeq(rest) {
				if k, v, ok := strings.Cut(kv, "="); ok {
					out[k] = v
				}
			}
		}
	}
	return out
}

// The compose file is what a newcomer starts first: every variable it gives the engine must
// be one the engine reads, and the engine must accept its value as compose passes it. Compose turns a YAML number into its decimal text, so an
// unquoted value that looks like one (a key of zeros, an id with a leading zero) reaches the
// engine changed: every value must be a YAML string.
func TestComposeEngineConfigurationLoads(t *testing.T) {
	services := readCompose(t)
	known := map[string]bool{}
	for _, st := range Settings() {
		known[st.Env] = true
	}
	for _, name := range []string{"seed", "engine1"} {
		svc, ok := services[name]
		if !ok {
			t.Fatalf("docker-compose.yml has no service %s", name)
		}
		vars := imageEnv(t)
		for k, n := range svc.Environment {
			if !known[k] {
				t.Errorf("%s: %s is no setting the engine reads (config.Settings)", name, k)
			}
			vars[k] = n.Value
			if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
				vars[k] = decimalOf(n)
				t.Errorf("%s: %s is %s %q in YAML, which compose passes on as %q: quote it", name, k, n.ShortTag(), n.Value, vars[k])
			}
		}
		if _, _, err := Load(env(vars)); err != nil {
			t.Errorf("%s: the engine refuses the compose configuration: %v", name, err)
		}
	}
}

// decimalOf is how compose writes a YAML scalar into the environment: a number as its
// decimal text (0000 is 0).
func decimalOf(n yaml.Node) string {
	var v any
	if err := n.Decode(&v); err != nil {
		return n.Value
	}
	return fmt.Sprint(v)
}

// fakemeta and the engine must agree: the webhooks fakemeta signs with its app secret reach
// the engine's webhook route, and the engine's Graph calls reach fakemeta.
func TestComposeFakemetaMatchesEngine(t *testing.T) {
	services := readCompose(t)
	engine, fm := services["engine1"], services["fakemeta"]
	flags := map[string]string{}
	for _, arg := range fm.Command {
		if k, v, ok := strings.Cut(strings.TrimPrefix(arg, "--"), "="); ok {
			flags[k] = v
		}
	}
	port := imageEnv(t)["PORT"]
	if n, ok := engine.Environment["PORT"]; ok {
		port = n.Value
	}
	secrets := strings.Split(engine.Environment["WHATSAPP_APP_SECRET"].Value, ",")
	if !slices.Contains(secrets, flags["app-secret"]) {
		t.Errorf("fakemeta signs with %q, the engine accepts %q", flags["app-secret"], secrets)
	}
	if want := "http://engine1:" + port + "/api/v1/webhook"; flags["callback-url"] != want {
		t.Errorf("fakemeta posts webhooks to %q, the engine serves %q", flags["callback-url"], want)
	}
	graph, err := url.Parse(engine.Environment["META_GRAPH_URL"].Value)
	_, fmPort, _ := strings.Cut(flags["addr"], ":")
	if err != nil || graph.Hostname() != "fakemeta" || graph.Port() != fmPort {
		t.Errorf("the engine calls Meta at %q, fakemeta listens on %q", engine.Environment["META_GRAPH_URL"].Value, flags["addr"])
	}
}
