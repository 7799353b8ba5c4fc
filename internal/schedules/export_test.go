package schedules

// Transient is transient, for the tests of package schedules_test.
var Transient = transient
