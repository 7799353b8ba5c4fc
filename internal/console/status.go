package console

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/colorme-sync/colorme-sync/internal/app"
	"github.com/colorme-sync/colorme-sync/internal/oms"
	"github.com/colorme-sync/colorme-sync/internal/rules"
	"github.com/colorme-sync/colorme-sync/internal/shops"
)

// statusWindow is how far back 稼働状況 looks: failures, latencies and charts.
const statusWindow = 24 * time.Hour

// statusRuns is how many of a shop's latest runs 稼働状況 charts.
const statusRuns = 40

// shopStatus is one shop on 稼働状況.
type shopStatus struct {
	Shop         shops.Shop
	Import       lastRun
	Export       lastRun
	FailedRuns   int // in statusWindow
	FailedSales  int // in statusWindow
	RunsChart    template.HTML
	Latency      latencySummary
	LatencyChart template.HTML
	Budget       budgetUse
	BudgetChart  template.HTML
}

// lastRun is a shop's last completed import or export against its schedule.
type lastRun struct {
	At       *time.Time
	Ago      string // "12分前"
	Interval int    // schedule interval in minutes; 0: schedule off
	Late     bool   // more than twice the interval ago (or never, with the schedule on)
}

// latencySummary is the change → ColorMe latency of on-change exports.
type latencySummary struct {
	Count         int
	Median, Worst string
}

// budgetUse is the ColorMe API budget runs used, estimated from the run log.
type budgetUse struct {
	PerMinute int    // COLORME_BUDGET_PER_MINUTE; 0 = unlimited
	Peak      string // the highest share of the budget a run used, e.g. "35%"
}

// Worker states on 稼働状況 (workerStatus.State).
const (
	workerPolling = "polling" // a worker polls the task queue
	workerStopped = "stopped" // none has polled it recently
	workerUnknown = "unknown" // Temporal could not be asked
)

// workerStatus is whether a worker polls the task queue, once for all shops
// (the worker is shared).
type workerStatus struct {
	State string // workerPolling, workerStopped or workerUnknown
	Ago   string // the last poll, e.g. "3秒前"; "" when none was seen
}

// workerNow asks Temporal once, within app.NotifyTimeout, whether a worker
// polls the task queue (app.WorkerPolling), and keeps the answer for the pages
// that reuse it (workerStoppedNow). When Temporal cannot say, it logs and
// reports workerUnknown: the page shows all the same.
func (s *Server) workerNow(ctx context.Context) workerStatus {
	w := s.askWorker(ctx)
	if ctx.Err() == nil { // a request that ended says nothing of the worker
		s.seen.keep(s.d.Now(), w.State)
	}
	return w
}

// askWorker is workerNow's question to Temporal.
func (s *Server) askWorker(ctx context.Context) workerStatus {
	ctx, cancel := context.WithTimeout(ctx, app.NotifyTimeout)
	defer cancel()
	polling, last, err := app.WorkerPolling(ctx, s.d.Temporal, s.d.Config)
	if err != nil {
		s.d.Logger.Warn("console: could not ask Temporal whether a worker polls the task queue; the page says so (稼働状況) or keeps its usual wording",
			"task_queue", s.d.Config.TaskQueue, "error", err.Error())
		return workerStatus{State: workerUnknown}
	}
	w := workerStatus{State: workerStopped}
	if polling {
		w.State = workerPolling
	}
	if !last.IsZero() {
		w.Ago = agoSeconds(time.Since(last)) // Temporal's clock, as app.WorkerPolling judges it
	}
	return w
}

// agoSeconds is ago with seconds under a minute ("3秒前"): a worker polls
// about once a minute.
func agoSeconds(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d秒前", max(0, int(d.Seconds())))
	}
	return ago(d)
}

// statusPage shows 稼働状況: whether a worker polls the task queue (once, at the
// top), then per shop the user may see, the last import and export, failures,
// the latency of changes reaching ColorMe and the API budget used, with small
// charts drawn on the server from the run log.
func (s *Server) statusPage(rq *request) error {
	ctx := rq.ctx()
	worker := s.workerNow(ctx)
	shops, err := s.shopsFor(ctx, rq.user)
	if err != nil {
		return err
	}
	last, err := s.d.Store.LastCompletedRuns(ctx)
	if err != nil {
		return err
	}
	now := s.d.Now()
	out := make([]shopStatus, 0, len(shops))
	for _, sh := range shops {
		runs, _, err := s.d.Store.ListRuns(ctx, oms.RunFilter{ShopID: sh.ID, Limit: statusRuns})
		if err != nil {
			return err
		}
		lat, err := s.d.Store.ChangeLatencies(ctx, oms.ChangeLatencyQuery{ShopID: sh.ID, Since: now.Add(-statusWindow), Limit: 200})
		if err != nil {
			return err
		}
		st := shopStatus{Shop: sh,
			Import: lastOf(last, sh.ID, oms.KindImport, sh.Settings.ImportEnabled, sh.Settings.ImportIntervalMinutes, now),
			Export: lastOf(last, sh.ID, oms.KindExport, sh.Settings.ExportEnabled, sh.Settings.ExportIntervalMinutes, now),
			Budget: budgetUse{PerMinute: s.d.Config.BudgetPerMinute}}
		for _, r := range runs {
			if r.StartedAt.After(now.Add(-statusWindow)) {
				if r.Status == oms.RunFailed {
					st.FailedRuns++
				}
				st.FailedSales += r.Totals.Failed
			}
		}
		st.RunsChart = runsChart(runs)
		st.Latency, st.LatencyChart = latencyChart(lat)
		st.Budget.Peak, st.BudgetChart = budgetChart(runs, st.Budget.PerMinute)
		out = append(out, st)
	}
	return s.render(rq, "status", "稼働状況", struct {
		Worker workerStatus
		Shops  []shopStatus
		Window string
	}{worker, out, "24時間"})
}

func lastOf(last []oms.LastRun, shopID string, kind oms.Kind, on bool, minutes int, now time.Time) lastRun {
	l := lastRun{}
	if on {
		l.Interval = minutes
	}
	for _, r := range last {
		if r.ShopID == shopID && r.Kind == kind {
			at := r.FinishedAt
			l.At, l.Ago = &at, ago(now.Sub(at))
		}
	}
	late := 2 * time.Duration(l.Interval) * time.Minute
	l.Late = on && (l.At == nil || now.Sub(*l.At) > late)
	return l
}

// ago says how long ago, in staff's words.
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "1分以内"
	case d < time.Hour:
		return fmt.Sprintf("%d分前", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d時間前", int(d.Hours()))
	}
	return fmt.Sprintf("%d日前", int(d.Hours()/24))
}

// seconds says a duration in seconds or minutes.
func seconds(d time.Duration) string {
	if d < 2*time.Minute {
		return fmt.Sprintf("%.0f秒", math.Ceil(d.Seconds()))
	}
	return fmt.Sprintf("%.0f分", d.Minutes())
}

// bar is one bar of a chart.
type bar struct {
	Value float64
	Class string // ok, bad, warn
	Title string // the tooltip
}

// Chart geometry (px).
const (
	chartW, chartH = 320, 64
	barGap         = 2
)

// barChart draws bars (oldest first) as an inline SVG scaled to max; limit,
// when positive, is drawn as a dashed line (e.g. 100 % of the budget).
func barChart(label string, bars []bar, max, limit float64) template.HTML {
	if len(bars) == 0 {
		return ""
	}
	if limit > max {
		max = limit
	}
	if max <= 0 {
		max = 1
	}
	w := float64(chartW) / float64(max2(len(bars), 20))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-label="%s" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">`,
		template.HTMLEscapeString(label), chartW, chartH, chartW, chartH)
	fmt.Fprintf(&b, `<line class="axis" x1="0" y1="%d" x2="%d" y2="%d"/>`, chartH-1, chartW, chartH-1)
	for i, v := range bars {
		h := math.Max(2, v.Value/max*float64(chartH-4))
		fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s</title></rect>`,
			v.Class, float64(i)*w, float64(chartH-1)-h, math.Max(1, w-barGap), h, template.HTMLEscapeString(v.Title))
	}
	if limit > 0 {
		y := float64(chartH-1) - limit/max*float64(chartH-4)
		fmt.Fprintf(&b, `<line class="limit" x1="0" y1="%.1f" x2="%d" y2="%.1f"/>`, y, chartW, y)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every value above is a number or escaped
}

func max2(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// runsChart draws the shop's latest runs, oldest first: the bar's height is
// the orders it handled, red when it failed or had failed orders.
func runsChart(runs []oms.Run) template.HTML {
	var bars []bar
	var top float64
	for _, r := range slices.Backward(runs) {
		class := "ok"
		switch {
		case r.Status == oms.RunFailed || r.Totals.Failed > 0:
			class = "bad"
		case r.Status == oms.RunRunning:
			class = "warn"
		}
		kind := runKindLabel(r)
		v := float64(r.Totals.Targets)
		top = math.Max(top, v)
		bars = append(bars, bar{Value: v, Class: class, Title: fmt.Sprintf("#%d %s %s 対象%d 更新%d 失敗%d",
			r.ID, kind, r.StartedAt.In(rules.Tokyo).Format("01/02 15:04"), r.Totals.Targets, r.Totals.Updated, r.Totals.Failed)})
	}
	return barChart("直近の実行", bars, top, 0)
}

// latencyChart summarizes and draws change → ColorMe latencies, oldest first.
func latencyChart(lat []oms.ChangeLatency) (latencySummary, template.HTML) {
	if len(lat) == 0 {
		return latencySummary{}, ""
	}
	ds := make([]time.Duration, len(lat))
	var bars []bar
	var top float64
	for i, l := range slices.Backward(lat) {
		ds[i] = l.Latency
		class := "ok"
		if l.Latency > 15*time.Minute {
			class = "bad"
		} else if l.Latency > time.Minute {
			class = "warn"
		}
		top = math.Max(top, l.Latency.Seconds())
		bars = append(bars, bar{Value: l.Latency.Seconds(), Class: class,
			Title: fmt.Sprintf("受注 %d: %s に反映 (%s後)", l.SaleID, l.At.In(rules.Tokyo).Format("01/02 15:04:05"), seconds(l.Latency))})
	}
	slices.Sort(ds)
	sum := latencySummary{Count: len(ds), Median: seconds(ds[len(ds)/2]), Worst: seconds(ds[len(ds)-1])}
	return sum, barChart("変更の反映時間", bars, top, 0)
}

// estimatedCalls is the ColorMe calls a run made, estimated from its counts:
// an export reads its targets 100 per call and writes each updated or failed
// order and each mail; an import lists 100 sales per call.
func estimatedCalls(r oms.Run) int {
	pages := (r.Totals.Targets + 99) / 100
	if r.Kind == oms.KindImport {
		return max2(pages, 1)
	}
	return pages + r.Totals.Updated + r.Totals.Failed + r.Totals.Mails
}

// budgetChart draws the share of the API budget each finished run used
// (estimated calls per minute of the run against COLORME_BUDGET_PER_MINUTE).
func budgetChart(runs []oms.Run, perMinute int) (string, template.HTML) {
	if perMinute <= 0 {
		return "", ""
	}
	var bars []bar
	var peak float64
	for _, r := range slices.Backward(runs) {
		if r.FinishedAt == nil || r.DryRun {
			continue
		}
		minutes := math.Max(r.FinishedAt.Sub(r.StartedAt).Minutes(), 1)
		calls := estimatedCalls(r)
		share := float64(calls) / minutes / float64(perMinute) * 100
		peak = math.Max(peak, share)
		class := "ok"
		if share > 90 {
			class = "warn"
		}
		bars = append(bars, bar{Value: share, Class: class, Title: fmt.Sprintf("#%d %s 約%d回 / %.0f分 = %.0f%%",
			r.ID, r.StartedAt.In(rules.Tokyo).Format("01/02 15:04"), calls, math.Ceil(minutes), share)})
	}
	if len(bars) == 0 {
		return "", ""
	}
	return fmt.Sprintf("%.0f%%", peak), barChart("API使用量", bars, peak, 100)
}
