package packet

// ParseGeneral is the parser without ParseInto's IPv4 TCP/UDP fast path,
// for the differential fuzz test.
var ParseGeneral = parseGeneral
