package packet

// The parser without its IPv4 TCP/UDP fast path, and the fast path alone,
// for the differential fuzz test.
var (
	ParseGeneral   = parseGeneral
	ParseIPv4Plain = parseIPv4Plain
)
