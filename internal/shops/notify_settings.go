package shops

import (
	"strings"

	"github.com/colorme-sync/colorme-sync/internal/msg"
)

// TokenRefused starts the error of an activity, and so of its run, that ColorMe
// answered 401: the shop must be reconnected. Notifications tell such a run
// apart from other failures (reconnecting fixes it).
var TokenRefused = strings.TrimSuffix(strings.SplitN(msg.TokenRefused.En, " (%s)", 2)[0], " ")
