package shipcsv

import "bytes"

// signatures are the first bytes of files staff pick by mistake instead of a
// CSV file, with what they are in English and in Japanese.
var signatures = []struct {
	magic  []byte
	en, ja string
}{
	{[]byte("\x89PNG\r\n\x1a\n"), "a PNG image", "PNG画像"},
	{[]byte{0xFF, 0xD8, 0xFF}, "a JPEG image", "JPEG画像"},
	{[]byte("GIF87a"), "a GIF image", "GIF画像"},
	{[]byte("GIF89a"), "a GIF image", "GIF画像"},
	{[]byte("%PDF-"), "a PDF document", "PDF"},
	{[]byte("PK\x03\x04"), "an Excel workbook (.xlsx) or another ZIP file", "Excelのブック (.xlsx) かZIPファイル"},
	{[]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, "an old Excel workbook (.xls)", "Excelのブック (.xls)"},
}

// NotCSV says what data is when it is plainly not a CSV file — an image, a
// PDF, an Excel workbook, a ZIP file or other binary data (NUL bytes in its
// first 8 KiB, other than UTF-16 text) — in English and in Japanese, so that
// it is refused as a whole before any line of it is read. ok is false when data
// may be a CSV file: Parse then reads it.
func NotCSV(data []byte) (en, ja string, ok bool) {
	for _, s := range signatures {
		if bytes.HasPrefix(data, s.magic) {
			return s.en, s.ja, true
		}
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return "", "", false // UTF-16 text: Parse says how to save it again
	}
	if bytes.IndexByte(data[:min(len(data), 8<<10)], 0) >= 0 {
		return "binary data", "文字ではないデータ (バイナリファイル)", true
	}
	return "", "", false
}
