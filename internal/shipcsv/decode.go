package shipcsv

// Decode returns a CSV file as text and names its encoding ("UTF-8", "UTF-8
// with BOM" or "Shift_JIS"), as Parse reads it: a UTF-8 BOM is dropped, text
// that is not UTF-8 is read as Shift_JIS (CP932). A file in neither, or with
// NUL bytes, is a *LineError saying what to do (in English and Japanese).
// Other importers (在庫取込) use it so that every upload reads files alike.
func Decode(data []byte) (text, encoding string, err *LineError) { return decode(data) }
