package ec2api

// codeOf extracts the EC2 code and message of a model error.
func codeOf(err error) (code, message string, ok bool) { return "", "", false }
