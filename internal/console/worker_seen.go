package console

import (
	"context"
	"sync"
	"time"
)

// workerSeenFor is how long a page view reuses the last answer to whether a
// worker polls the task queue (workerStoppedNow), so that viewing a page does
// not ask Temporal each time. Temporal counts a worker as polling for
// app.PollerFresh (minutes) after its last poll, so these seconds barely add
// to how late a stopped worker shows.
const workerSeenFor = 15 * time.Second

// workerSeen is the last answer to whether a worker polls the task queue
// (workerNow keeps it), for the pages that say before an action what follows
// it. It is shared by the server's requests.
type workerSeen struct {
	mu    sync.Mutex
	at    time.Time // when Temporal was asked (Deps.Now); zero: never
	state string    // workerPolling, workerStopped or workerUnknown
}

// keep records state, as asked at at.
func (w *workerSeen) keep(at time.Time, state string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.at, w.state = at, state
}

// fresh returns the state kept less than workerSeenFor before now, and false
// when there is none.
func (w *workerSeen) fresh(now time.Time) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.at.IsZero() || now.Sub(w.at) >= workerSeenFor || now.Before(w.at) {
		return "", false
	}
	return w.state, true
}

// workerStoppedNow reports, for a page that says before an action what
// follows it on ColorMe, that no worker polls the task queue: the page must
// then not promise "within seconds" (noWorkerBefore). It reuses the answer
// workerNow kept less than workerSeenFor ago, and asks Temporal otherwise.
// When Temporal cannot be asked it reports false and the page keeps its usual
// wording, as workerIdle does after an action.
func (s *Server) workerStoppedNow(ctx context.Context) bool {
	if state, ok := s.seen.fresh(s.d.Now()); ok {
		return state == workerStopped
	}
	return s.workerNow(ctx).State == workerStopped
}

// noWorkerBefore is what a page says, before an action, of what follows it
// (follows: 「取込の後、自動在庫連携がカラーミーショップの在庫を合わせます」 without
// its 。) when no worker polls the task queue (workerStoppedNow): it waits
// for a worker, whom to ask, and where to look (稼働状況), as noWorkerNote says
// after the action.
func noWorkerBefore(follows string) string {
	return follows + "が、いま処理を実行するワーカーが動いていないため、ワーカーが再開するまで送られません。" +
		"システム担当者にワーカー (bin/worker) の起動を依頼してください (稼働状況で状態を確認できます)。"
}
