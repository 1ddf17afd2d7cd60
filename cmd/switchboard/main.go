// Command switchboard is the Switchboard engine: one binary for every node.
//
//	switchboard serve        run a node (settings from the environment; serve --help lists them)
//	switchboard seed         create the seed users and the demo tenant (idempotent)
//	switchboard admin        set a user's password, or create a platform admin (password on stdin)
//	switchboard health       probe this machine's node (GET /api/v1/health on PORT): a container health check
//	switchboard version      print the version
//	switchboard bench        run a load scenario (bench --help lists them)
//	switchboard env-example  print .env.example generated from the config struct
package main

import (
	"fmt"
	"os"

	"github.com/switchboard/switchboard/engine"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

const usage = `Switchboard — multi-tenant WhatsApp Cloud API messaging engine.

Usage:
  switchboard serve [--help]    run a node; --help lists every setting
  switchboard seed              create the seed users and the demo tenant (idempotent)
  switchboard admin EMAIL [NAME] < password
                                set EMAIL's password, or create a platform admin with it
                                (the first one of a production store)
  switchboard health            probe this machine's node on PORT; fails unless it answers 200
  switchboard version           print the version
  switchboard bench <scenario>  run a load scenario on loopback (bench --help)
  switchboard env-example       print .env.example, generated from the configuration struct
`

func main() {
	engine.Version = version
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "serve":
		err = serve(args)
	case "seed":
		err = seed(args)
	case "admin":
		err = admin(args)
	case "health":
		err = health(args)
	case "version", "--version", "-v":
		fmt.Println("switchboard", version)
	case "bench":
		err = runBench(args)
	case "env-example":
		writeEnvExample()
	case "help", "--help", "-h":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "switchboard: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchboard:", err)
		os.Exit(1)
	}
}
