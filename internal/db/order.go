package db

// OrderBy is the ORDER BY of a sorted list: the column orders maps key to
// (the whitelist: nothing else ever reaches the query), in the direction
// asked, then tie in the same direction so that pages never overlap. ok
// is false for a key not in orders, when the caller uses its default.
func OrderBy(orders map[string]string, key string, desc bool, tie string) (order string, ok bool) {
	col, ok := orders[key]
	if !ok {
		return "", false
	}
	dir := ""
	if desc {
		dir = " DESC"
	}
	if col == tie {
		return col + dir, true
	}
	return col + dir + ", " + tie + dir, true
}
