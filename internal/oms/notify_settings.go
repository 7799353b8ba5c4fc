package oms

// TokenRefused starts the error of an activity, and so of its run, that ColorMe
// answered 401: the shop must be reconnected. Notifications tell such a run
// apart from other failures (reconnecting fixes it).
const TokenRefused = "ColorMe refused the shop's access token"
