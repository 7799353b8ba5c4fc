package jst_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/colorme-sync/colorme-sync/internal/jst"
)

// TestFormat writes a UTC instant nine hours later, across the date line.
func TestFormat(t *testing.T) {
	assert.Equal(t, "2026-12-07 08:30:00 JST", jst.Format(time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC)))
	_, offset := time.Date(2026, 7, 1, 0, 0, 0, 0, jst.Zone).Zone()
	assert.Equal(t, 9*60*60, offset, "no summer time")
}
