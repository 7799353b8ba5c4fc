package main

import (
	"context"
	"io"
	"log/slog"

	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/config"
	"github.com/colorme-sync/colorme-sync/internal/oms"
)

// env holds what a command needs, opened lazily so that each command only
// connects to what it uses.
type env struct {
	out, errOut io.Writer
	cfg         *config.Config
	store       *oms.Store
	temporal    client.Client
}

func (e *env) config() (config.Config, error) {
	if e.cfg == nil {
		c, err := config.Load()
		if err != nil {
			return config.Config{}, err
		}
		e.cfg = &c
	}
	return *e.cfg, nil
}

func (e *env) db(ctx context.Context) (*oms.Store, error) {
	if e.store != nil {
		return e.store, nil
	}
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	e.store = st
	return st, nil
}

func (e *env) client() (client.Client, error) {
	if e.temporal != nil {
		return e.temporal, nil
	}
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	// The starter prints to the terminal: keep the SDK quiet unless it fails.
	c, err := app.Dial(cfg, slog.New(slog.NewTextHandler(e.errOut, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		return nil, err
	}
	e.temporal = c
	return c, nil
}

func (e *env) close() {
	if e.temporal != nil {
		e.temporal.Close()
	}
	if e.store != nil {
		_ = e.store.Close()
	}
}

// shop opens the database and loads a shop, explaining a missing one.
func (e *env) shop(ctx context.Context, id string) (*oms.Store, oms.Shop, error) {
	st, err := e.db(ctx)
	if err != nil {
		return nil, oms.Shop{}, err
	}
	s, err := shopOrExplain(ctx, st, id)
	return st, s, err
}
