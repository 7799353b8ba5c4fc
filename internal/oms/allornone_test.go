package oms_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"gorm.io/gorm"

	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/stores"
)

// TestAllOrNone: store runs only when check finds the batch writable and it
// is not a dry run, and the batch is applied only when store succeeds.
func TestAllOrNone(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stores.Stores) {
		checkFailed, storeFailed := errors.New("check failed"), errors.New("store failed")
		for _, c := range []struct {
			name               string
			writable, dryRun   bool
			checkErr, storeErr error
			stored, applied    bool
			err                error
		}{
			{name: "writable", writable: true, stored: true, applied: true},
			{name: "dry run", writable: true, dryRun: true},
			{name: "not writable", writable: false},
			{name: "check fails", writable: true, checkErr: checkFailed, err: checkFailed},
			{name: "store fails", writable: true, storeErr: storeFailed, stored: true, err: storeFailed},
		} {
			stored := false
			applied, err := oms.AllOrNone(context.Background(), s.Schema.DB(), c.dryRun,
				func(*gorm.DB) (bool, error) { return c.writable, c.checkErr },
				func(*gorm.DB) error { stored = true; return c.storeErr })
			assert.ErrorIs(t, err, c.err, c.name)
			assert.Equal(t, c.stored, stored, "%s: stored", c.name)
			assert.Equal(t, c.applied, applied, "%s: applied", c.name)
		}
	})
}
