package shipcsv

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// resaveJa is what to do with a file in an encoding the parser does not read.
const resaveJa = "Excelの「名前を付けて保存」で「CSV UTF-8 (コンマ区切り)」または「CSV (コンマ区切り)」を選んで保存し直し、もう一度アップロードしてください。"

// Decode returns a CSV file as text and names its encoding ("UTF-8", "UTF-8
// with BOM" or "Shift_JIS"), as Parse reads it: a UTF-8 BOM is dropped, text
// that is not UTF-8 is read as Shift_JIS (CP932, as Japanese Excel saves CSV).
// A file in neither, or with NUL bytes, is a *LineError saying what to do (in
// English and Japanese). Other importers (在庫取込) use it so that every upload
// reads files alike.
func Decode(data []byte) (text, encoding string, err *LineError) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
		if !utf8.Valid(data) {
			e := message{"the file starts with a UTF-8 BOM but is not UTF-8: save it again as CSV (UTF-8) or CSV (Shift_JIS)",
				"ファイルはUTF-8 (BOM付き) として始まっていますが、中身がUTF-8ではありません。" + resaveJa}.at(badLine(data))
			return "", "UTF-8 with BOM", &e
		}
		return checkText(string(data), "UTF-8 with BOM")
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		e := message{"the file is UTF-16 (Unicode text): save it as CSV (UTF-8) or CSV (Shift_JIS)",
			"ファイルの文字コードがUTF-16 (Unicode テキスト) で、読み取れません。" + resaveJa}.at(0)
		return "", "UTF-16", &e
	case utf8.Valid(data):
		return checkText(string(data), "UTF-8")
	}
	decoded, derr := japanese.ShiftJIS.NewDecoder().Bytes(data)
	if derr != nil || bytes.ContainsRune(decoded, utf8.RuneError) {
		e := message{"the file is neither UTF-8 nor Shift_JIS (CP932): save it as CSV (UTF-8) or CSV (Shift_JIS)",
			"ファイルの文字コードがUTF-8でもShift_JISでもなく、読み取れません。" + resaveJa}.at(badLine(decoded))
		return "", "unknown", &e
	}
	return checkText(string(decoded), "Shift_JIS")
}

func checkText(s, enc string) (string, string, *LineError) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		e := message{"the file contains NUL bytes: it is not a text (CSV) file",
			"ファイルにNUL文字 (バイナリのデータ) が含まれていて、テキスト (CSV) ファイルではありません。出荷実績のCSVファイルを選んでください。"}.at(strings.Count(s[:i], "\n") + 1)
		return "", enc, &e
	}
	return s, enc, nil
}

// badLine returns the line of the first invalid byte, 0 when unknown.
func badLine(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError {
			return bytes.Count(b[:i], []byte("\n")) + 1
		}
		i += size
	}
	return 0
}
