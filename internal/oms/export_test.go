package oms

// TargetQueryForTest returns the SQL and arguments FetchTargets runs for q.
func TargetQueryForTest(q TargetQuery) (string, []any, error) {
	if err := q.normalize(); err != nil {
		return "", nil, err
	}
	return targetSQL(!q.After.IsZero()), targetArgs(q), nil
}
