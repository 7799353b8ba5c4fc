package settings

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Def is one shop setting: one row of Table.
type Def struct {
	Key     string             // JSON and DB name, and `starter shop set`'s key
	Field   string             // the field of shops.ShopSettings holding it
	Default any                // a new shop's value: bool, int or string, as the field
	Min     int                // an int setting's lowest value
	Max     int                // an int setting's highest value
	Unit    string             // an int setting's unit, as staff read it (分, 日, 回)
	UnitEN  string             // the unit in the CLI's words
	Label   string             // the console's name of the setting
	LabelEN string             // the CLI's description of the setting
	Help    string             // the console's hint beside the field, if any
	Secret  bool               // a credential: never shown, only "set"
	Clear   string             // a credential's console checkbox that empties it
	Check   func(string) error // a text setting's check, if any
	Invalid string             // what staff read when Check fails
}

// Lookup returns the setting named key.
func Lookup(key string) (*Def, bool) {
	for _, d := range Table {
		if d.Key == key {
			return d, true
		}
	}
	return nil, false
}

// Get returns the setting named key, for templates; an unknown key panics,
// which a template test catches.
func Get(key string) *Def {
	d, ok := Lookup(key)
	if !ok {
		panic("settings: no setting " + key)
	}
	return d
}

// IsBool reports whether the setting is on or off.
func (d *Def) IsBool() bool { _, ok := d.Default.(bool); return ok }

// InRange reports whether v lies within an int setting's bounds.
func (d *Def) InRange(v int) bool { return v >= d.Min && v <= d.Max }

// CheckInt reports v outside an int setting's bounds, naming the key.
func (d *Def) CheckInt(v int) error {
	if d.InRange(v) {
		return nil
	}
	return fmt.Errorf("%s must be between %d and %d, got %d", d.Key, d.Min, d.Max, v)
}

// Clamp brings v within an int setting's bounds.
func (d *Def) Clamp(v int) int { return min(max(v, d.Min), d.Max) }

// Bounds is an int setting's range as the CLI shows it, e.g. "1-365 days".
func (d *Def) Bounds() string { return fmt.Sprintf("%d-%d %s", d.Min, d.Max, d.UnitEN) }

// OutOfRange is what staff read for an int setting out of its bounds.
func (d *Def) OutOfRange() string {
	return fmt.Sprintf("%sは%d〜%d%sで入力してください", d.Label, d.Min, d.Max, d.Unit)
}

// Problem is one setting with a bad value.
type Problem struct {
	Def *Def
	Err error // in English, naming the key
}

// Staff is the problem as staff read it.
func (p Problem) Staff() string {
	if p.Def.Check != nil {
		return p.Def.Invalid
	}
	return p.Def.OutOfRange()
}

// Problems checks every setting held in the struct st (shops.ShopSettings) against
// the table: int bounds and text checks.
func Problems(st any) []Problem {
	v := reflect.ValueOf(st)
	var out []Problem
	for _, d := range Table {
		f := v.FieldByName(d.Field)
		switch {
		case f.Kind() == reflect.Int:
			if err := d.CheckInt(int(f.Int())); err != nil {
				out = append(out, Problem{d, err})
			}
		case f.Kind() == reflect.String && d.Check != nil:
			if err := d.Check(f.String()); err != nil {
				out = append(out, Problem{d, err})
			}
		}
	}
	return out
}

// Validate joins the errors of Problems.
func Validate(st any) error {
	var errs []error
	for _, p := range Problems(st) {
		errs = append(errs, p.Err)
	}
	return errors.Join(errs...)
}

// Defaults sets every setting of *st to its default.
func Defaults(st any) {
	v := reflect.ValueOf(st).Elem()
	for _, d := range Table {
		v.FieldByName(d.Field).Set(reflect.ValueOf(d.Default))
	}
}

// Pairs returns the settings of st as key/value pairs, in Table's order.
func Pairs(st any) [][2]string {
	v := reflect.ValueOf(st)
	out := make([][2]string, len(Table))
	for i, d := range Table {
		out[i] = [2]string{d.Key, fmt.Sprint(v.FieldByName(d.Field).Interface())}
	}
	return out
}

// Set parses value into the setting key of *st. An unknown key or a value that
// does not parse is an error naming the key; bounds are checked by Problems.
func Set(st any, key, value string) error {
	key = strings.TrimSpace(key)
	d, ok := Lookup(key)
	if !ok {
		return fmt.Errorf("unknown setting %q", key)
	}
	f := reflect.ValueOf(st).Elem().FieldByName(d.Field)
	value = strings.TrimSpace(value)
	switch f.Kind() {
	case reflect.Bool:
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("setting %s: bad value %q", key, value)
		}
		f.SetBool(b)
	case reflect.Int:
		n, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("setting %s: bad value %q", key, value)
		}
		f.SetInt(int64(n))
	default:
		f.SetString(value)
	}
	return nil
}

// Verify reports how the struct type t (shops.ShopSettings) and Table disagree:
// a row without its field, a field without its row, a json tag that is not the
// key, or a default of another type.
func Verify(t reflect.Type) error {
	var errs []error
	rows := map[string]bool{}
	for _, d := range Table {
		rows[d.Field] = true
		f, ok := t.FieldByName(d.Field)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("setting %s: %s has no field %s", d.Key, t.Name(), d.Field))
		case strings.Split(f.Tag.Get("json"), ",")[0] != d.Key:
			errs = append(errs, fmt.Errorf("setting %s: field %s has json tag %q", d.Key, d.Field, f.Tag.Get("json")))
		case reflect.TypeOf(d.Default) != f.Type:
			errs = append(errs, fmt.Errorf("setting %s: default %v is not a %s", d.Key, d.Default, f.Type))
		}
	}
	for i := range t.NumField() {
		if !rows[t.Field(i).Name] {
			errs = append(errs, fmt.Errorf("field %s.%s has no row in settings.Table", t.Name(), t.Field(i).Name))
		}
	}
	return errors.Join(errs...)
}
