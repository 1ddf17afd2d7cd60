package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/engine"
)

// admin sets a user's password from the machine the engine runs on, creating a platform admin
// when no user has that email: a production store's first platform admin, or a new password
// for a seed user whose published one `serve` refuses in production. The password is read
// from the first line of standard input, so it stays out of the process list and the shell
// history (pipe it, or type it).
func admin(args []string) error {
	if len(args) < 1 || len(args) > 2 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: switchboard admin EMAIL [NAME] < password (one line on standard input)")
	}
	password, err := readPassword(os.Stdin)
	if err != nil {
		return err
	}
	cfg, log, err := loadConfig()
	if err != nil {
		return err
	}
	name := ""
	if len(args) == 2 {
		name = args[1]
	}
	var created bool
	err = withEngine(cfg, log, func(ctx context.Context, e *engine.Engine) (err error) {
		created, err = e.Accounts().SetOperatorPassword(ctx, args[0], name, password)
		return err
	})
	if err != nil {
		return err
	}
	if created {
		fmt.Println("admin: created platform admin", strings.ToLower(strings.TrimSpace(args[0])))
	} else {
		fmt.Println("admin: new password set for", strings.ToLower(strings.TrimSpace(args[0])))
	}
	return nil
}

// readPassword reads one line; a password of whitespace only or nothing is refused here, the
// policy (length, classes) by accounts.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("admin: reading the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if strings.TrimSpace(line) == "" {
		return "", errors.New("admin: no password on standard input")
	}
	return line, nil
}

// refusePublishedPasswords stops a production node whose store still has seed users logging
// in with the passwords API.md publishes: a store seeded in development (make run, a staging
// run) and taken to production would keep a platform admin anyone can log in as.
func refusePublishedPasswords(ctx context.Context, cfg *config.Config, e *engine.Engine) error {
	if !cfg.Production() {
		return nil
	}
	inUse, err := e.Accounts().PublishedPasswordsInUse(ctx)
	if err != nil {
		return fmt.Errorf("checking the seed users: %w", err)
	}
	if len(inUse) > 0 {
		return fmt.Errorf("refusing to serve with APP_ENV=production: %s still log in with the passwords API.md publishes; give each a new one with `switchboard admin EMAIL < password`",
			strings.Join(inUse, ", "))
	}
	return nil
}
