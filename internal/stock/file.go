package stock

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/colorme-sync/colorme-sync/internal/shipcsv"
)

// Problem is one line-numbered problem of a stock file (line 0: the whole file).
type Problem struct {
	Line    int    `json:"line"`
	Message string `json:"message"` // Japanese, for staff: what is wrong and what to do
}

// FileResult is a parsed stock file: the count per SKU (型番) when it has no
// problem, else every problem found (all or nothing: nothing is applied).
type FileResult struct {
	Encoding string           `json:"encoding"`
	Counts   map[string]int64 `json:"counts,omitempty"`
	Lines    map[string]int   `json:"lines,omitempty"` // the file's line of each SKU in Counts
	Problems []Problem        `json:"problems,omitempty"`
}

// OK reports whether the file can be applied.
func (r FileResult) OK() bool { return len(r.Problems) == 0 }

// ParseFile reads a warehouse stock file: CSV with the columns 型番,在庫数
// (a header line with those names is optional), UTF-8 (with or without BOM)
// or Shift_JIS, as データ取込 reads files (shipcsv.Decode).
func ParseFile(data []byte) FileResult {
	text, enc, lerr := shipcsv.Decode(data)
	res := FileResult{Encoding: enc, Counts: map[string]int64{}, Lines: map[string]int{}}
	if lerr != nil {
		msg := lerr.Ja
		if msg == "" {
			msg = lerr.Message
		}
		res.Problems = append(res.Problems, Problem{Line: lerr.Line, Message: msg})
		res.Counts, res.Lines = nil, nil
		return res
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	seen := res.Lines
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			res.Problems = append(res.Problems, Problem{Line: line, Message: "CSVとして読み取れません (引用符の閉じ忘れなど)。表計算ソフトでこの行を直して保存し直してください。"})
			break
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		sku, qty := field(rec, 0), field(rec, 1)
		if line == 1 && (sku == "型番" || strings.EqualFold(sku, "model_number") || strings.EqualFold(sku, "sku")) {
			continue // header
		}
		if len(rec) < 2 {
			res.Problems = append(res.Problems, Problem{Line: line, Message: "列が足りません。「型番,在庫数」の2列にしてください。"})
			continue
		}
		if sku == "" {
			res.Problems = append(res.Problems, Problem{Line: line, Message: "型番が空です。型番を入れるか、この行を削除してください。"})
			continue
		}
		if len([]rune(sku)) > 50 {
			res.Problems = append(res.Problems, Problem{Line: line, Message: "型番が50文字を超えています。カラーミーショップの型番と同じ値にしてください。"})
			continue
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(qty, ",", ""), 10, 64)
		if err != nil || n < 0 {
			res.Problems = append(res.Problems, Problem{Line: line, Message: fmt.Sprintf("在庫数「%s」が0以上の整数ではありません。数字だけで入力してください。", qty)})
			continue
		}
		if first, dup := seen[sku]; dup {
			res.Problems = append(res.Problems, Problem{Line: line, Message: fmt.Sprintf("型番「%s」が%d行目にもあります。1つの型番は1行にまとめてください。", sku, first)})
			continue
		}
		seen[sku] = line
		res.Counts[sku] = n
	}
	if len(res.Problems) == 0 && len(res.Counts) == 0 {
		res.Problems = append(res.Problems, Problem{Line: 0, Message: "在庫の行がありません。「型番,在庫数」の行があるファイルを選んでください。"})
	}
	if len(res.Problems) > 0 {
		res.Counts, res.Lines = nil, nil
	}
	return res
}

func field(rec []string, i int) string {
	if i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(strings.Trim(rec[i], "\u3000"))
}
